#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# tlsdump as a Wireshark extcap: with a link in the personal extcap folder
# (Wireshark 4.0: $XDG_CONFIG_HOME/wireshark/extcap, a temporary one
# here), `tshark -D` lists its interface, the extcap calls answer in
# extcap(4)'s grammar, and `tshark -i tlsdump -a duration:N -w F` captures
# a curl request that tshark then reads from F decrypted (no key file),
# with curl's process comment, and nothing on the extcap's stderr.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd tshark capinfos curl openssl python3
make_cert
# the personal folders of a user of our own, not WIRESHARK_CONFIG_DIR
export HOME="$WORK/home" XDG_CONFIG_HOME="$WORK/xdg"
mkdir -p "$HOME" "$XDG_CONFIG_HOME/wireshark/extcap"
cp "$WIRESHARK_CONFIG_DIR/preferences" "$XDG_CONFIG_HOME/wireshark/preferences"
unset WIRESHARK_CONFIG_DIR
LINK="$XDG_CONFIG_HOME/wireshark/extcap/tlsdump"
ln -s "$TLSDUMP" "$LINK"

# the extcap calls themselves
"$LINK" --extcap-interfaces --extcap-version=4.0 >"$WORK/ifs" || fail "--extcap-interfaces: status $?"
grep -q '^extcap {version=[0-9.]*}' "$WORK/ifs" && grep -q '^interface {value=tlsdump}{display=' "$WORK/ifs" ||
	fail "--extcap-interfaces: $(cat "$WORK/ifs")"
"$LINK" --extcap-interface tlsdump --extcap-dlts | grep -q '^dlt {number=276}{name=LINUX_SLL2}' ||
	fail "--extcap-dlts"
"$LINK" --extcap-interface tlsdump --extcap-config >"$WORK/cfg" || fail "--extcap-config: status $?"
for a in ifaces pid comm stacks; do
	grep -q "^arg {number=[0-9]}{call=--$a}" "$WORK/cfg" || fail "--extcap-config has no --$a: $(cat "$WORK/cfg")"
done
grep -q '{call=--ifaces}.*{default=any}' "$WORK/cfg" || fail "--ifaces: default is not any"
[ "$(grep -c '^value {arg=3}' "$WORK/cfg")" = 4 ] || fail "--stacks: not the 4 stacks"
"$LINK" --extcap-interface tlsdump --extcap-capture-filter 'tcp port 443' || fail "a good capture filter refused"
"$LINK" --extcap-interface tlsdump --extcap-capture-filter 'tcp port' >"$WORK/badf" && fail "a bad capture filter accepted"
grep -q . "$WORK/badf" || fail "a bad capture filter: no message"
"$LINK" --extcap-interface nosuch --extcap-config 2>/dev/null && fail "an unknown interface accepted"
ok "extcap calls: interfaces, dlts, config (ifaces, pid, comm, stacks), filter check"

tshark -D 2>/dev/null | grep -q '^[0-9]*\. tlsdump (TLS decrypted capture' || fail "tshark -D does not list it: $(tshark -D 2>&1)"
ok "tshark -D lists tlsdump from the personal extcap folder"

PORT=$(rand_port)
python3 "$E2E_DIR/pyhttps.py" "$PORT" "$WORK/cert.pem" "$WORK/key.pem" &
wait_listen - tcp "$PORT"
DUR=30
tshark -i tlsdump -a duration:$DUR -w "$WORK/x.pcapng" >"$WORK/tshark.out" 2>"$WORK/tshark.err" &
TS=$!
# the extcap tlsdump tshark started (through our link), and its TCX links
for i in $(seq 200); do XPID=$(pgrep -f "^$LINK --capture" | head -1); [ -n "$XPID" ] && break; sleep 0.05; done
[ -n "$XPID" ] || fail "tshark did not start the extcap: $(cat "$WORK/tshark.err")"
# attached once it holds a TCX link (Linux >= 6.6; else wait 20 s)
attached=""
for i in $(seq 400); do
	grep -qs '^link_type:[[:space:]]*tcx' /proc/"$XPID"/fdinfo/* && attached=1 && break
	kill -0 "$XPID" 2>/dev/null || fail "the extcap exited: $(cat "$WORK/tshark.err")"
	sleep 0.05
done
[ -n "$attached" ] || echo "note: no TCX link seen (clsact?); went on after 20 s"
URI="/extcap-$RANDOM"
curl -sk -o "$WORK/body" "https://127.0.0.1:$PORT$URI" & CURL=$!
wait "$CURL" || fail "curl failed"
wait "$TS" || fail "tshark: status $?: $(cat "$WORK/tshark.err")"
! grep -i 'error' "$WORK/tshark.err" || fail "tshark reported the extcap's stderr as an error"
for i in $(seq 100); do kill -0 "$XPID" 2>/dev/null || break; sleep 0.05; done
kill -0 "$XPID" 2>/dev/null && fail "the extcap tlsdump is still running after tshark stopped"
capinfos "$WORK/x.pcapng" >/dev/null || fail "capinfos cannot read tshark's file"
got=$(tshark -r "$WORK/x.pcapng" -Y "http.request.uri == \"$URI\"" -T fields -e frame.comment 2>/dev/null)
[ -n "$got" ] || fail "$URI not decrypted in tshark's capture: $(tshark -r "$WORK/x.pcapng" -Y "tcp.port == $PORT" 2>&1 | head -20)"
echo "$got" | grep -q "pid=$CURL .*comm=curl" || fail "$URI: no curl process comment: $got"
tshark -r "$WORK/x.pcapng" -Y "http.response.code == 200 && tcp.srcport == $PORT" 2>/dev/null | grep -q . ||
	fail "the response is not decrypted"
ok "tshark -i tlsdump -a duration:$DUR -w: $URI decrypted from the file alone, with curl's pid and comm"

# the settings, as Wireshark passes them: lo only, curl only, OpenSSL's
# keys, a capture filter; the fifo here is a plain file
# (a fresh server: pyhttps.py stops after 55 s)
PORT=$(rand_port)
python3 "$E2E_DIR/pyhttps.py" "$PORT" "$WORK/cert.pem" "$WORK/key.pem" &
wait_listen - tcp "$PORT"
"$LINK" --capture --extcap-interface tlsdump --fifo "$WORK/set.pcapng" --ifaces lo --comm curl \
	--stacks openssl --extcap-capture-filter "tcp port $PORT" 2>"$WORK/set.err" &
SET=$!
# and one that takes no OpenSSL keys: curl's packets stay encrypted
"$LINK" --capture --extcap-interface tlsdump --fifo "$WORK/nossl.pcapng" --ifaces lo \
	--stacks go,gnutls,nss --extcap-capture-filter "tcp port $PORT" 2>"$WORK/nossl.err" &
NOSSL=$!
for p in $SET $NOSSL; do
	for i in $(seq 400); do
		grep -qs '^link_type:[[:space:]]*tcx' /proc/"$p"/fdinfo/* && break
		kill -0 "$p" 2>/dev/null || fail "extcap capture with settings exited: $(cat "$WORK/set.err" "$WORK/nossl.err")"
		sleep 0.05
	done
	[ "$i" = 400 ] && sleep 20
done
URI2="/settings-$RANDOM"
curl -sk -o /dev/null "https://127.0.0.1:$PORT$URI2" & CURL2=$!
wait "$CURL2" || fail "curl failed"
python3 -c '
import socket, ssl, sys
c = ssl.create_default_context(); c.check_hostname = False; c.verify_mode = ssl.CERT_NONE
s = c.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[1]))))
s.sendall(b"GET /from-python HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
while s.recv(65536): pass' "$PORT" || fail "python client failed"
sleep 0.5
stop_pid "$SET" TERM
[ "$RC" = 0 ] || fail "extcap capture: status $RC after SIGTERM: $(cat "$WORK/set.err")"
stop_pid "$NOSSL" TERM
[ "$RC" = 0 ] || fail "extcap capture (no OpenSSL): status $RC: $(cat "$WORK/nossl.err")"
tshark -r "$WORK/nossl.pcapng" -Y "tls.app_data && tcp.dstport == $PORT" 2>/dev/null | grep -q . ||
	fail "--stacks go,gnutls,nss: no TLS records of curl captured"
! tshark -r "$WORK/nossl.pcapng" -Y "http.request.uri == \"$URI2\"" 2>/dev/null | grep -q . ||
	fail "--stacks go,gnutls,nss: OpenSSL's keys went in (curl decrypted)"
[ ! -s "$WORK/set.err" ] || fail "extcap capture wrote to stderr: $(cat "$WORK/set.err")"
readers_clean "$WORK/set.pcapng"
[ "$(tshark -r "$WORK/set.pcapng" -T fields -e frame.interface_name 2>/dev/null | sort -u)" = lo ] || fail "--ifaces lo: other interfaces"
tshark -r "$WORK/set.pcapng" -Y "http.request.uri == \"$URI2\"" -T fields -e frame.comment 2>/dev/null |
	grep -q "pid=$CURL2 .*comm=curl" || fail "--comm curl: $URI2 not decrypted with curl's comment"
! tshark -r "$WORK/set.pcapng" -T fields -e frame.comment 2>/dev/null | grep -v -e '^$' -e 'comm=curl$' -e 'comm=python3$' | grep -q . ||
	fail "--comm curl: packets of other processes"
! tshark -r "$WORK/set.pcapng" -Y 'http.request.uri == "/from-python"' 2>/dev/null | grep -q . ||
	fail "--comm curl: python's request is in the file"
! tshark -r "$WORK/set.pcapng" -Y "not tcp.port == $PORT" 2>/dev/null | grep -q . || fail "the capture filter let other packets in"
ok "settings: --ifaces lo, --comm curl, --stacks (openssl: decrypted; go,gnutls,nss: curl not), the capture filter; SIGTERM ends it cleanly, stderr empty"
