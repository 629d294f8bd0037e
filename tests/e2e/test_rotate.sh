#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Rotation (-C, -G, -W, -z) with every file decrypting alone.
# 1. -C: a keep-alive TLS connection (python, one request every 200 ms)
#    spans at least three files, and new curl sessions land in every
#    file; each file, read ALONE by tshark with no key file, shows its own
#    requests decrypted (the keep-alive's included: its keys and earlier
#    packets are carried into each file); capinfos and tcpdump -r read
#    every file cleanly; tcpdump's names (NAME, NAME1, NAME2, ...); -z
#    runs on each closed file.
# 2. -C -W 3: a ring of NAME0 NAME1 NAME2, nothing else.
# 3. -G 1 -W 3: strftime names, three files, then tlsdump stops by itself.
# --hold 15000: on a loaded machine keys can come seconds late; a flow let
# go before them is not decrypted in any file (nor without rotation).
. "$(dirname "$0")/lib.sh"
need_root
need_cmd tshark capinfos tcpdump openssl curl python3
make_cert
P=$(rand_port)
python3 "$E2E_DIR/pyhttps.py" "$P" "$WORK/cert.pem" "$WORK/key.pem" >/dev/null 2>&1 &
wait_listen - tcp "$P"

# -z's command: one line per file it is given (not through a shell: the
# name is one argument, spaces and all).
cat >"$WORK/z.sh" <<EOF
#!/bin/sh
echo "\$1" >>"$WORK/z.log"
EOF
chmod 755 "$WORK/z.sh"

# keepalive SECONDS : one TLS connection, GET /kaN every 200 ms.
keepalive() {
	python3 - "$P" "$1" <<'PY'
import socket, ssl, sys, time
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[1]))))
f = s.makefile("rb")
end, i = time.time() + float(sys.argv[2]), 0
while time.time() < end:
    i += 1
    s.sendall(b"GET /ka%d HTTP/1.1\r\nHost: x\r\n\r\n" % i)
    n = 0
    while True:
        line = f.readline()
        if line.lower().startswith(b"content-length:"):
            n = int(line.split(b":")[1])
        if line in (b"\r\n", b""):
            break
    f.read(n)
    time.sleep(0.2)
print(i)
PY
}

# requests FILE : the URIs tshark decrypts in FILE alone, without the
# packets carried over from an earlier file.
requests() {
	tshark -r "$1" -Y 'http.request && !(frame.comment contains "carried over")' \
		-T fields -e http.request.uri 2>/dev/null
}

# clean FILE : capinfos and tcpdump -r read it without a complaint.
clean() {
	local out
	out=$(capinfos "$1" 2>&1 >/dev/null) && [ -z "$out" ] || fail "capinfos $1: $out"
	out=$(tcpdump -r "$1" -w /dev/null 2>&1 | grep -v '^reading from file') &&
		[ -n "$out" ] && fail "tcpdump -r $1: $out"
	return 0
}

# all_decrypted FILE : no record to our server stays encrypted in FILE
# read alone (each is a handshake record or a request tshark decrypted).
all_decrypted() {
	local enc
	enc=$(tshark -r "$1" -Y "tcp.dstport == $P && tls.app_data && !http" -T fields \
		-e frame.number 2>/dev/null | wc -l)
	[ "$enc" = 0 ] || fail "$1: $enc records to the server not decrypted"
}

# ---- 1. -C: keep-alive across files, curl in every one, -z -----------
D="$WORK/c dir"
mkdir "$D"
start_tlsdump c -v --hold 15000 -i lo -C 12k -z "$WORK/z.sh" -w "$D/r.pcapng" "tcp port $P"
keepalive 4 >"$WORK/ka.n" &
KA=$!
for i in $(seq 16); do
	curl -sk -o /dev/null "https://127.0.0.1:$P/curl$i" || fail "curl $i"
	sleep 0.3
done
wait "$KA" || fail "the keep-alive client failed"
sleep 0.5
stop_pid "$TD_PID"
[ "$RC" = 0 ] || fail "tlsdump -C exit $RC: $(grep -v 'save success' "$WORK/c.err")"
ls "$D" >"$WORK/c.list"
n=$(wc -l <"$WORK/c.list")
[ "$n" -ge 3 ] || fail "-C 12k made $n files: $(cat "$WORK/c.list")"
# tcpdump's names: the first as -w, then a number after it
[ -f "$D/r.pcapng" ] || fail "no first file r.pcapng: $(cat "$WORK/c.list")"
for ((i = 1; i < n; i++)); do
	[ -f "$D/r.pcapng$i" ] || fail "no r.pcapng$i among $(cat "$WORK/c.list")"
done
ka_files=0 curl_files=0
for ((i = 0; i < n; i++)); do
	f="$D/r.pcapng"; [ $i = 0 ] || f="$D/r.pcapng$i"
	clean "$f"
	requests "$f" >"$WORK/req.$i"
	# every file that holds a curl session's own application data shows
	# its request decrypted (its handshake there, or carried over from
	# the file before); a file may hold only TCP handshakes while TLS
	# flows wait for their keys (--hold)
	app=$(tshark -r "$f" -Y 'tls.record.content_type == 23 && frame.comment contains "comm=curl" && !(frame.comment contains "carried over")' 2>/dev/null | wc -l)
	if [ "$app" -gt 0 ]; then
		grep -q '^/curl' "$WORK/req.$i" || fail "file $i: curl's application data but no curl request decrypted: $(tr '\n' ' ' <"$WORK/req.$i")"
		curl_files=$((curl_files + 1))
	fi
	grep -q '^/ka' "$WORK/req.$i" && ka_files=$((ka_files + 1))
	all_decrypted "$f"
done
[ "$curl_files" -ge 3 ] || fail "curl's requests decrypted in $curl_files files, want >= 3"
[ "$ka_files" -ge 3 ] || fail "the keep-alive connection's requests decrypted in $ka_files files, want >= 3"
# each keep-alive request is in exactly one file as its own (not carried)
cat "$WORK"/req.* | grep '^/ka' | sort | uniq -d >"$WORK/dup"
[ -s "$WORK/dup" ] && fail "requests in two files as their own: $(head "$WORK/dup")"
kan=$(cat "$WORK/ka.n")
[ "$(cat "$WORK"/req.* | grep -c '^/ka')" = "$kan" ] ||
	fail "$(cat "$WORK"/req.* | grep -c '^/ka') keep-alive requests decrypted, $kan made"
# every file after the one where the keep-alive connection began that
# shows its requests holds its earlier packets carried over (which file
# is last depends on timing: it may open after every flow has ended)
first_ka=-1
for ((i = 0; i < n; i++)); do
	grep -q '^/ka' "$WORK/req.$i" || continue
	[ "$first_ka" -ge 0 ] || { first_ka=$i; continue; }
	f="$D/r.pcapng$i"
	carried=$(tshark -r "$f" -Y 'frame.comment contains "carried over"' 2>/dev/null | wc -l)
	[ "$carried" -gt 0 ] || fail "file $i has keep-alive requests but no packet carried over"
done
ok "-C: $n files; the keep-alive connection decrypted in $ka_files of them, curl in $curl_files; readers clean"
# -z: every closed file, once, the last one included
for ((i = 0; i < n; i++)); do
	f="$D/r.pcapng"; [ $i = 0 ] || f="$D/r.pcapng$i"
	[ "$(grep -cxF "$f" "$WORK/z.log")" = 1 ] || fail "-z ran $(grep -cxF "$f" "$WORK/z.log") times on $f: $(cat "$WORK/z.log")"
done
[ "$(wc -l <"$WORK/z.log")" = "$n" ] || fail "-z ran $(wc -l <"$WORK/z.log") times for $n files"
ok "-z ran once on each of the $n files"

# ---- 2. -C -W 3: a ring ------------------------------------------------
# a fresh server (pyhttps.py stops by itself after 55 s; part 1 can take
# that long on a loaded machine)
P=$(rand_port)
python3 "$E2E_DIR/pyhttps.py" "$P" "$WORK/cert.pem" "$WORK/key.pem" >/dev/null 2>&1 &
wait_listen - tcp "$P"
mkdir "$WORK/ring"
: >"$WORK/z.log"
start_tlsdump w --hold 15000 -i lo -C 8k -W 3 -z "$WORK/z.sh" -w "$WORK/ring/r" "tcp port $P"
for i in $(seq 14); do
	curl -sk -o /dev/null "https://127.0.0.1:$P/ring$i" || fail "curl ring $i"
done
sleep 0.5
stop_pid "$TD_PID"
[ "$RC" = 0 ] || fail "tlsdump -W exit $RC: $(grep -v 'save success' "$WORK/w.err")"
[ "$(ls "$WORK/ring" | tr '\n' ' ')" = "r0 r1 r2 " ] || fail "-W 3 ring: $(ls "$WORK/ring")"
[ "$(wc -l <"$WORK/z.log")" -gt 3 ] || fail "the ring did not wrap: $(cat "$WORK/z.log")"
for f in "$WORK"/ring/r?; do
	clean "$f"
	requests "$f" | grep -q '^/ring' || fail "$f: no request decrypted"
done
ok "-C -W 3: r0 r1 r2 only, wrapped ($(wc -l <"$WORK/z.log") files closed)"

# ---- 3. -G 1 -W 3: strftime names, stops after three files -------------
mkdir "$WORK/g"
"$TLSDUMP" --hold 15000 -i lo -G 1 -W 3 -w "$WORK/g/g-%Y%m%d-%H%M%S.pcapng" "tcp port $P" 2>"$WORK/g.err" &
TD_PID=$!
for i in $(seq 40); do
	curl -sk -o /dev/null "https://127.0.0.1:$P/g$i" 2>/dev/null
	kill -0 "$TD_PID" 2>/dev/null || break
	sleep 0.25
done
wait_exit "$TD_PID" 10
[ "$RC" = 0 ] || fail "tlsdump -G -W 3 exit $RC: $(cat "$WORK/g.err")"
grep -q 'Maximum file limit reached: 3' "$WORK/g.err" || fail "no limit message: $(cat "$WORK/g.err")"
ls "$WORK/g" >"$WORK/g.list"
[ "$(wc -l <"$WORK/g.list")" = 3 ] || fail "-G -W 3 made: $(cat "$WORK/g.list")"
grep -vqE '^g-[0-9]{8}-[0-9]{6}\.pcapng$' "$WORK/g.list" && fail "names not from strftime: $(cat "$WORK/g.list")"
for f in "$WORK"/g/*; do
	clean "$f"
	all_decrypted "$f"
	requests "$f"
done >"$WORK/g.req"
grep -q '^/g' "$WORK/g.req" || fail "-G: no request decrypted"

ok "-G 1 -W 3: $(tr '\n' ' ' <"$WORK/g.list")then stopped"
