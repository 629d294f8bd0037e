#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# eCapture's habits: `tlsdump tls` with no -m prints the plaintext of a
# curl request (text mode); --hex alone is text mode in hex; -l FILE writes
# the text to FILE (0600, a symbolic link refused) and not to stdout;
# --ifname is -i (the IDB names the interface, tshark decrypts); an
# eCapture flag with no meaning here is refused with one line and status
# 2; `tlsdump tls -h` is the subcommand's help.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd openssl curl python3 tshark

# refused flags, help: no BPF needed
refused() {
	local rc n=${2#--}
	n=${n%%=*}
	"$TLSDUMP" "$@" >"$WORK/ref.out" 2>"$WORK/ref.err"; rc=$?
	[ "$rc" = 2 ] || fail "$*: status $rc, not 2"
	[ ! -s "$WORK/ref.out" ] || fail "$*: wrote to stdout"
	[ "$(wc -l <"$WORK/ref.err")" = 1 ] || fail "$*: not one line: $(cat "$WORK/ref.err")"
	grep -q -- "--$n is eCapture's; tlsdump does not take it: ." "$WORK/ref.err" ||
		fail "$*: $(cat "$WORK/ref.err")"
}
refused tls --ssl_version "openssl 3.0.0"
refused gotls --cgroup_path=/sys/fs/cgroup
refused nss --nspr /usr/lib/x86_64-linux-gnu/libnspr4.so
refused gnutls --mapsize 1024
grep -q -- '-B KiB' "$WORK/ref.err" || fail "--mapsize: the tlsdump way (-B) not named"
"$TLSDUMP" tls -b 1 2>"$WORK/ref.err"; [ $? = 2 ] && grep -q -- '--btf' "$WORK/ref.err" || fail "-b: $(cat "$WORK/ref.err")"
ok "eCapture-only flags: status 2, one line naming the tlsdump way"

"$TLSDUMP" tls -h >"$WORK/tls.help" || fail "tls -h: status $?"
"$TLSDUMP" -h >"$WORK/global.help" || fail "-h: status $?"
"$TLSDUMP" gotls --help >"$WORK/gotls.help" || fail "gotls --help: status $?"
grep -q '^Usage: tlsdump tls ' "$WORK/tls.help" && grep -q -- '--libssl' "$WORK/tls.help" &&
	! grep -q -- '--elfpath' "$WORK/tls.help" && grep -q 'tlsdump_openssl.pcapng' "$WORK/tls.help" ||
	fail "tls -h is not the tls help: $(head -5 "$WORK/tls.help")"
grep -q -- '--elfpath' "$WORK/gotls.help" && ! grep -q -- '--libssl' "$WORK/gotls.help" || fail "gotls --help"
! grep -q -- '--libssl' "$WORK/global.help" && grep -q 'tlsdump tls -h' "$WORK/global.help" ||
	fail "the global help shows tls's options"
ok "tls -h, gotls --help: each subcommand's own options and files; -h the global ones"

make_cert
PORT=$(rand_port)
python3 "$E2E_DIR/pyhttps.py" "$PORT" "$WORK/cert.pem" "$WORK/key.pem" &
wait_listen - tcp "$PORT"
ln -s "$WORK/elsewhere" "$WORK/link.txt"
"$TLSDUMP" tls -l "$WORK/link.txt" 2>"$WORK/link.err"; rc=$?
[ "$rc" = 5 ] && [ ! -e "$WORK/elsewhere" ] || fail "-l through a symbolic link: status $rc: $(cat "$WORK/link.err")"

"$TLSDUMP" tls -v >"$WORK/plain.txt" 2>"$WORK/plain.err" & T1=$!
"$TLSDUMP" tls -v --hex >"$WORK/hex.txt" 2>"$WORK/hex.err" & T2=$!
"$TLSDUMP" tls -v -l "$WORK/log.txt" >"$WORK/l.stdout" 2>"$WORK/l.err" & T3=$!
"$TLSDUMP" -v --ifname lo -w "$WORK/if.pcapng" tcp port "$PORT" 2>"$WORK/if.err" & T4=$!
for f in plain hex l; do
	wait_log "$WORK/$f.err" 'printing TLS plaintext' 30 || fail "tlsdump ($f) did not start: $(cat "$WORK/$f.err")"
done
wait_log "$WORK/if.err" 'capturing on' 30 || fail "--ifname lo did not start: $(cat "$WORK/if.err")"
URI="/habit-$RANDOM"
curl -sk -o /dev/null "https://127.0.0.1:$PORT$URI" & CURL=$!
wait "$CURL" || fail "curl failed"
sleep 0.5
for p in $T1 $T2 $T3 $T4; do stop_pid "$p"; [ "$RC" = 0 ] || fail "tlsdump $p: status $RC"; done

grep -E -q "pid=$CURL tid=[0-9]+ comm=curl .* WRITE openssl [0-9]+ bytes$" "$WORK/plain.txt" &&
	grep -q "^GET $URI HTTP/1.1" "$WORK/plain.txt" || fail "tls alone: no plaintext of curl's request: $(head -20 "$WORK/plain.txt")"
grep -q "py says $URI" "$WORK/plain.txt" || fail "tls alone: no plaintext of the response"
ok "tlsdump tls (no -m): curl's request and the response in plaintext"

python3 "$E2E_DIR/textcheck.py" "$WORK/hex.txt" hexdump "GET $URI HTTP/1.1" ||
	fail "--hex: the request is not a hex dump"
! grep -q "^GET $URI" "$WORK/hex.txt" || fail "--hex: the request also printed as text"
ok "--hex alone: text mode, every payload a hex dump"

[ "$(stat -c %a "$WORK/log.txt")" = 600 ] || fail "-l: mode $(stat -c %a "$WORK/log.txt")"
grep -q "^GET $URI HTTP/1.1" "$WORK/log.txt" && grep -q "pid=$CURL " "$WORK/log.txt" || fail "-l: not in the file"
! grep -q "$URI" "$WORK/l.stdout" || fail "-l: the text went to stdout too"
ok "-l FILE: the text in FILE (0600), none on stdout; a symbolic link refused (status 5)"

[ "$(tshark -r "$WORK/if.pcapng" -T fields -e frame.interface_name 2>/dev/null | sort -u)" = lo ] ||
	fail "--ifname lo: interfaces $(tshark -r "$WORK/if.pcapng" -T fields -e frame.interface_name 2>&1 | sort -u)"
tshark -r "$WORK/if.pcapng" -Y "http.request.uri == \"$URI\"" 2>/dev/null | grep -q . || fail "--ifname lo: $URI not decrypted"
ok "--ifname lo: captured on lo, $URI decrypted"
