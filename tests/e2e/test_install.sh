#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# make install / uninstall with DESTDIR and PREFIX: every file where it
# belongs with its mode, the extcap link in Wireshark's global folder
# pointing at the installed program; tlsdump(8) renders with no warning
# and names every option the program's help lists (each subcommand's
# too) and every exit status of src/exitcode.h; the bash completion is
# valid bash and completes subcommands, -m values, interfaces and
# options; uninstall leaves no file (and no link that is not ours).
. "$(dirname "$0")/lib.sh"
need_cmd make man groff bash gcc
ROOT=${TLSDUMP_ROOT:?}
EXTCAP=/usr/lib/$(gcc -print-multiarch)/wireshark/extcap
# the global folder that Debian's Wireshark reads
if command -v dpkg >/dev/null && dpkg -L wireshark-common >/dev/null 2>&1; then
	dpkg -L wireshark-common | grep -qx "$EXTCAP" || fail "Wireshark's extcap folder is not $EXTCAP"
fi

# a plain make still only builds
make -s -C "$ROOT" -np 2>/dev/null | grep -qx '.DEFAULT_GOAL := all' || fail "make's default goal is not 'all'"
D="$WORK/dest"
make -s -C "$ROOT" install DESTDIR="$D" >"$WORK/make.out" 2>&1 || fail "make install: $(cat "$WORK/make.out")"
mode() { stat -c '%a %F' "$1" 2>/dev/null; }
[ "$(mode "$D/usr/local/sbin/tlsdump")" = "755 regular file" ] || fail "sbin/tlsdump: $(mode "$D/usr/local/sbin/tlsdump")"
[ "$(mode "$D/usr/local/share/man/man8/tlsdump.8")" = "644 regular file" ] || fail "man8/tlsdump.8"
[ "$(mode "$D/usr/local/share/bash-completion/completions/tlsdump")" = "644 regular file" ] || fail "completion"
[ "$(readlink "$D$EXTCAP/tlsdump")" = /usr/local/sbin/tlsdump ] || fail "extcap link: $(readlink "$D$EXTCAP/tlsdump")"
n=$(find "$D" ! -type d | wc -l)
[ "$n" = 4 ] || fail "make install wrote $n files: $(find "$D" ! -type d)"
"$D/usr/local/sbin/tlsdump" --version | grep -q '^tlsdump version' || fail "the installed program does not run"
ok "make install DESTDIR: sbin/tlsdump 0755, man8/tlsdump.8 0644, completion 0644, $EXTCAP/tlsdump -> /usr/local/sbin/tlsdump"

MAN="$D/usr/local/share/man/man8/tlsdump.8"
warn=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$MAN" 2>&1 >"$WORK/man.txt")
[ -z "$warn" ] || fail "man --warnings: $warn"
warn=$(groff -ww -man -z "$MAN" 2>&1)
[ -z "$warn" ] || fail "groff -ww: $warn"
for s in NAME SYNOPSIS SUBCOMMANDS OPTIONS FILES "EXIT STATUS" EXAMPLES "KERNEL REQUIREMENTS" \
	"HOW KEYS REACH WIRESHARK" "WIRESHARK (EXTCAP)"; do
	grep -q "^$s\$" "$WORK/man.txt" || fail "tlsdump(8) has no section $s"
done
# every option of every command's help, in the page's source (\- for -)
opts() { "$TLSDUMP" "$@" --help | awk '/^  -/ { for (i = 1; i <= NF; i++) { t = $i; sub(/,$/, "", t); if (t !~ /^-/) break; print t } }'; }
for c in "" tls gotls gnutls nss; do
	for o in $(opts $c); do
		grep -qF -- "$(printf '%s' "$o" | sed 's/-/\\-/g')" "$MAN" || fail "tlsdump(8) does not name ${c:+$c }$o"
	done
done
for o in --extcap-interfaces --extcap-dlts --extcap-config --extcap-capture-filter --capture --fifo \
	--ifaces --stacks -C -G -W -z -Z; do
	grep -qF -- "$(printf '%s' "$o" | sed 's/-/\\-/g')" "$MAN" || fail "tlsdump(8) does not name $o"
done
for v in $(sed -n 's/^[[:space:]]*EXIT_[A-Z]* = \([0-9]*\),.*/\1/p' "$ROOT/src/exitcode.h"); do
	grep -q "^\\.B $v\$" "$MAN" || fail "tlsdump(8): no exit status $v"
done
for o in C G W z Z; do grep -q "^\.BI\? \\\\-$o" "$MAN" || fail "the man page does not document -$o"; done
ok "tlsdump(8): no warning; every option of each command's help, the extcap calls, each exit status"

C="$D/usr/local/share/bash-completion/completions/tlsdump"
bash -n "$C" || fail "completion: bash -n"
comp() {
	PATH="$D/usr/local/sbin:$PATH" bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _tlsdump; echo "${COMPREPLY[*]}"' _ "$C" "$@"
}
[ "$(comp tlsdump g)" = "gotls gnutls" ] || fail "completion of 'tlsdump g': $(comp tlsdump g)"
[ "$(comp tlsdump n)" = "nss" ] || fail "completion of 'tlsdump n'"
[ "$(comp tlsdump tls -m "")" = "pcap pcapng keylog key text" ] || fail "-m values: $(comp tlsdump tls -m "")"
[ "$(comp tlsdump gotls --model k)" = "keylog key" ] || fail "--model k: $(comp tlsdump gotls --model k)"
got=" $(comp tlsdump -i "") "
for i in any $(ls /sys/class/net); do [[ $got == *" $i "* ]] || fail "-i: no $i in $got"; done
[[ " $(comp tlsdump tls --li) " == *" --libssl "* ]] || fail "tls --li: $(comp tlsdump tls --li)"
[[ " $(comp tlsdump --li) " != *" --libssl "* ]] || fail "--libssl offered without tls"
[[ " $(comp tlsdump gotls -) " == *" --elfpath "* ]] || fail "gotls -: no --elfpath"
[[ " $(comp tlsdump -i lo -- bas) " == *" bash "* ]] || fail "-- CMD: no command offered"
ok "completion: bash -n; subcommands, -m values, interfaces ($(ls /sys/class/net | wc -l) + any), each command's options"

make -s -C "$ROOT" uninstall DESTDIR="$D" >"$WORK/make.out" 2>&1 || fail "make uninstall: $(cat "$WORK/make.out")"
left=$(find "$D" ! -type d)
[ -z "$left" ] || fail "make uninstall left: $left"
ok "make uninstall: no file left"

D2="$WORK/dest2"
make -s -C "$ROOT" install DESTDIR="$D2" PREFIX=/usr >"$WORK/make.out" 2>&1 || fail "make install PREFIX=/usr: $(cat "$WORK/make.out")"
for f in /usr/sbin/tlsdump /usr/share/man/man8/tlsdump.8 /usr/share/bash-completion/completions/tlsdump; do
	[ -f "$D2$f" ] || fail "PREFIX=/usr: no $f"
done
[ "$(readlink "$D2$EXTCAP/tlsdump")" = /usr/sbin/tlsdump ] || fail "PREFIX=/usr: extcap link $(readlink "$D2$EXTCAP/tlsdump")"
ln -sfn /opt/other/tlsdump "$D2$EXTCAP/tlsdump"
make -s -C "$ROOT" uninstall DESTDIR="$D2" PREFIX=/usr >"$WORK/make.out" 2>&1 || fail "make uninstall PREFIX=/usr"
[ "$(readlink "$D2$EXTCAP/tlsdump")" = /opt/other/tlsdump ] || fail "uninstall removed an extcap link that is not ours"
[ "$(find "$D2" ! -type d | wc -l)" = 1 ] || fail "PREFIX=/usr uninstall left: $(find "$D2" ! -type d)"
make -s -C "$ROOT" install DESTDIR="$WORK/dest3" EXTCAPDIR= >"$WORK/make.out" 2>&1 || fail "make install EXTCAPDIR="
[ ! -e "$WORK/dest3/usr/lib" ] || fail "EXTCAPDIR= still made an extcap link"
ok "PREFIX=/usr: /usr/sbin, /usr/share; the link follows PREFIX; another program's link kept; EXTCAPDIR= installs none"
