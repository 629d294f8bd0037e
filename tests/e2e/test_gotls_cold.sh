#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# A Go CLI as the first TLS program after a fresh tlsdump start, ten
# starts each (issue 16):
#  - the docker CLI (/usr/local/bin/docker, Go 1.24, client only) talking
#    TLS with client certificates (--tlsverify) to a local HTTPS server;
#  - a stripped Go client copied to a new file each round (a new inode:
#    nothing cached about it).
# tlsdump runs in pcap mode limited to the client (--comm); the server is
# python's ssl, whose keys --comm keeps out.  Each round's file must show
# the client's HTTP request decrypted by tshark from the file alone.
. "$(dirname "$0")/lib.sh"
. "$E2E_DIR/gohelp.sh"
need_root
need_cmd openssl tshark python3
ROUNDS=${COLD_ROUNDS:-10}
cd "$WORK"

# a CA, a server certificate for 127.0.0.1 (Go wants the address in
# subjectAltName) and a client certificate, as --tlsverify needs
mkcert() { # NAME SUBJECT EXT
	openssl req -newkey rsa:2048 -nodes -subj "$2" -keyout "$1.key" -out "$1.csr" 2>/dev/null &&
		openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
			-extfile <(echo "$3") -out "$1.pem" 2>/dev/null || fail "openssl: certificate $1"
}
openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=tlsdump-test-ca -days 2 \
	-keyout ca.key -out ca.pem 2>/dev/null || fail "openssl: CA"
mkcert srv /CN=localhost "subjectAltName=IP:127.0.0.1,DNS:localhost"
mkcert cli /CN=client "extendedKeyUsage=clientAuth"

# round NAME COMM URI CMD...: a fresh server on port P, which the caller
# picked (pyhttps stops by itself after 55 s), and a fresh tlsdump (pcap,
# --comm COMM); CMD at once after it attached; then: is URI a decrypted
# request in the file?
# Counts in GOOD; a miss is reported with tlsdump's last lines.
round() {
	local name=$1 comm=$2 uri=$3 srv; shift 3
	python3 "$E2E_DIR/pyhttps.py" "$P" srv.pem srv.key >"$WORK/$name.py" 2>&1 &
	srv=$!
	CLEANUP+=("kill $srv")
	wait_listen - tcp "$P"
	"$TLSDUMP" -v -i lo -w "$WORK/$name.pcapng" --comm "$comm" "tcp port $P" 2>"$WORK/$name.err" &
	TD_PID=$!
	wait_attached "$name" "$TD_PID"
	timeout 20 "$@" >"$WORK/$name.out" 2>&1
	sleep 0.3
	stop_pid "$TD_PID"
	kill "$srv" 2>/dev/null; wait "$srv" 2>/dev/null
	[ "$RC" = 0 ] || fail "$name: tlsdump exit $RC: $(tail -3 "$WORK/$name.err")"
	tshark -r "$WORK/$name.pcapng" -Y http.request -T fields -e http.request.uri \
		2>/dev/null >"$WORK/$name.uris"
	if grep -qx "$uri" "$WORK/$name.uris"; then
		GOOD=$((GOOD + 1))
	else
		echo "$name: $uri not decrypted (got: $(tr '\n' ' ' <"$WORK/$name.uris")); $(tail -4 "$WORK/$name.err" | tr '\n' ' ')"
	fi
}

# ---- the docker CLI --------------------------------------------------------
if [ -x /usr/local/bin/docker ] || command -v docker >/dev/null; then
	DOCKER=$(command -v docker || echo /usr/local/bin/docker)
	mkdir -p "$WORK/home"
	GOOD=0
	for i in $(seq "$ROUNDS"); do
		P=$(rand_port)
		# the server's 200 is not a daemon's answer: docker fails after
		# sending its requests (/_ping, then /vN/version)
		round "docker$i" docker /_ping env HOME="$WORK/home" DOCKER_CONFIG="$WORK/home" \
			"$DOCKER" --host "tcp://127.0.0.1:$P" --tlsverify --tlscacert ca.pem \
			--tlscert cli.pem --tlskey cli.key version
	done
	grep -q 'Go version' "$WORK/docker1.out" || fail "docker did not run: $(head -3 "$WORK/docker1.out")"
	[ "$GOOD" = "$ROUNDS" ] || fail "docker: $GOOD of $ROUNDS fresh starts decrypted"
	ok "docker CLI ($("$DOCKER" --version | head -1)), the first TLS program after $ROUNDS fresh tlsdump starts, --comm docker: $GOOD/$ROUNDS requests decrypted"
	DOCKER_DONE=1
else
	DOCKER_DONE=
fi

# ---- a freshly copied stripped Go client -----------------------------------
go_fixtures
GOOD=0
for i in $(seq "$ROUNDS"); do
	cp "$GO/stripped" "$WORK/gocold$i"
	P=$(rand_port)
	round "go$i" "gocold$i" "/cold$i" "$WORK/gocold$i" client \
		-url "https://127.0.0.1:$P/cold$i" -q
done
[ "$GOOD" = "$ROUNDS" ] || fail "stripped Go copy: $GOOD of $ROUNDS fresh starts decrypted"
ok "a stripped Go client copied to a new file, the first TLS program after $ROUNDS fresh tlsdump starts: $GOOD/$ROUNDS requests decrypted"
[ -n "$DOCKER_DONE" ] || skip "no docker CLI on this machine (/usr/local/bin/docker): the Go copy passed, the docker part did not run"
