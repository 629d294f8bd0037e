# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# tests/e2e/nsshelp.sh - the setup of the NSS tests (sourced after lib.sh
# and gohelp.sh): NSS's tools, both NSS builds and Firefox, a CA and the
# databases the NSS programs (run as nobody) use.
#
# nss_setup : skips without libnss3-tools or firefox-esr; sets SYS, FF,
# NB (the folder nobody's programs write and read); makes $WORK/ca.pem,
# and $WORK/cert.pem + key.pem for 127.0.0.1 signed by it (the Go
# server's); NSS databases in $NB: db (tstclnt's, empty), prof (a Firefox
# profile trusting the CA), sdb (selfserv's key and certificate, "srv").
nss_setup() {
	need_cmd tshark tstclnt selfserv certutil pk12util openssl
	SYS=/usr/lib/x86_64-linux-gnu
	FF=/usr/lib/firefox-esr
	[ -e "$SYS/libssl3.so" ] && [ -e "$FF/libssl3.so" ] && command -v firefox-esr >/dev/null ||
		skip "needs libnss3-tools and firefox-esr (make deps)"
	NB=$WORK/nobody
	mkdir -p "$NB/home" || fail "mkdir"
	nss_ca_cert
	for d in db prof sdb; do
		mkdir -p "$NB/$d" && certutil -N -d "sql:$NB/$d" --empty-password || fail "certutil -N $d"
	done
	certutil -A -n tlsdump-ca -t C,, -i "$WORK/ca.pem" -d "sql:$NB/prof" || fail "certutil -A"
	openssl pkcs12 -export -in "$WORK/cert.pem" -inkey "$WORK/key.pem" -name srv \
		-out "$WORK/srv.p12" -passout pass: || fail "openssl pkcs12"
	pk12util -i "$WORK/srv.p12" -d "sql:$NB/sdb" -W "" >/dev/null || fail "pk12util"
	chown -R 65534:65534 "$NB" && chmod 711 "$WORK" || fail "preparing $NB"
}

# A CA and a server certificate for 127.0.0.1 it signs (Firefox trusts
# the CA through its profile; tstclnt is told to accept anything).
nss_ca_cert() {
	local ext=$WORK/ext
	printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >"$ext"
	openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=tlsdump-test-ca -days 2 \
		-keyout "$WORK/ca.key" -out "$WORK/ca.pem" 2>/dev/null &&
		openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 \
			-keyout "$WORK/key.pem" -out "$WORK/csr.pem" 2>/dev/null &&
		openssl x509 -req -in "$WORK/csr.pem" -CA "$WORK/ca.pem" -CAkey "$WORK/ca.key" \
			-CAcreateserial -days 2 -extfile "$ext" -out "$WORK/cert.pem" 2>/dev/null ||
		fail "making the certificates"
}

# firefox_fetch URL OUT : headless Firefox ESR (its own NSS) as nobody
# loads URL with a fresh profile; extra environment through env before it.
firefox_fetch() {
	HOME=$NB/home timeout 90 "${AS_NOBODY[@]}" firefox-esr --headless \
		--no-remote --profile "$NB/prof" --screenshot "$NB/shot.png" "$1" \
		>"$2" 2>&1 || fail "firefox: $(tail -3 "$2")"
}
