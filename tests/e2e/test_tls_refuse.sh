#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# An OpenSSL build whose offsets do not match the profile tlsdump picks is
# refused: one warning naming the library and saying its keys are not
# written, no key line for its sessions (key log and pcapng DSBs), while
# an untouched process in the same run is captured as usual.
#
# How, without a second OpenSSL on the machine: copies of the system's
# libssl.so.3 and libcrypto.so.3 in $WORK/lib, the version text in the
# libcrypto copy patched in place, same length ("OpenSSL 3.0.19" -> "OpenSSL
# 3.5.19"; a 3.2+ build becomes 3.0), so tlsdump takes the other family's
# offsets for this build.  openssl s_server and curl run with
# LD_LIBRARY_PATH=$WORK/lib (checked in /proc/PID/maps and with ldd);
# tlsdump is started first and finds the copy by its periodic rescan.
# Ground truth: the key logs the clients write (SSLKEYLOGFILE, -keylogfile).
# tlsdump -v names the pid of every line it saves: no line may come from a
# process using the copy, whatever its client random (a wrong profile would
# read a wrong one).
. "$(dirname "$0")/lib.sh"
need_root
need_cmd openssl curl python3 tshark ldd
make_cert

ossl_bin=$(command -v openssl)
sys_ssl=$(ldd "$ossl_bin" | awk '$1 ~ /^libssl\.so/ { print $3; exit }')
sys_crypto=$(ldd "$ossl_bin" | awk '$1 ~ /^libcrypto\.so/ { print $3; exit }')
[ -f "$sys_ssl" ] && [ -f "$sys_crypto" ] || skip "openssl is not linked against a shared libssl/libcrypto"
LIB="$WORK/lib"
mkdir -p "$LIB"
cp "$sys_ssl" "$LIB/$(basename "$sys_ssl")" && cp "$sys_crypto" "$LIB/$(basename "$sys_crypto")" ||
	fail "cannot copy the system OpenSSL"
COPY_SSL="$LIB/$(basename "$sys_ssl")"
COPY_CRYPTO="$LIB/$(basename "$sys_crypto")"

# Patch every "OpenSSL X.Y.Z" text in the libcrypto copy, byte for byte.
python3 - "$COPY_CRYPTO" >"$WORK/patch.out" <<'PY' || fail "cannot patch the version text"
import re, sys
p = sys.argv[1]
d = bytearray(open(p, "rb").read())
pat = re.compile(rb"OpenSSL (\d)\.(\d)\.(\d+[a-z]?)")
hits = list(pat.finditer(d))
if not hits:
    sys.exit("no 'OpenSSL X.Y.Z' text in " + p)
major, minor = hits[0].group(1), hits[0].group(2)
if (major, minor) in ((b"3", b"0"), (b"3", b"1")):
    new_minor = b"5"   # 3.0/3.1 layout read with 3.5 offsets
elif major == b"3":
    new_minor = b"0"   # 3.2+ layout read with 3.0 offsets
else:
    sys.exit("OpenSSL %s.%s: no other family to pretend to be" % (major.decode(), minor.decode()))
real = hits[0].group(0)[8:].decode()
n = 0
for m in hits:
    if m.group(1) == major and m.group(2) == minor:
        d[m.start(2):m.end(2)] = new_minor  # one byte for one byte
        n += 1
open(p, "wb").write(d)
fake = "%s.%s.%s" % (major.decode(), new_minor.decode(), hits[0].group(3).decode())
print(real, fake)
PY
read -r real fake <"$WORK/patch.out"
[ -n "$fake" ] || fail "cannot patch the version text"
cmp -s "$sys_crypto" "$COPY_CRYPTO" && fail "patched copy equals the original"
[ "$(stat -c %s "$sys_crypto")" = "$(stat -c %s "$COPY_CRYPTO")" ] || fail "patched copy changed size"
ok "libcrypto copy: OpenSSL $real patched to read $fake"

# The copies work, and the programs really load them.
LD_LIBRARY_PATH=$LIB "$ossl_bin" version | grep -q "OpenSSL $fake" ||
	fail "openssl with the copies: $(LD_LIBRARY_PATH=$LIB "$ossl_bin" version 2>&1)"
for b in "$ossl_bin" "$(command -v curl)"; do
	LD_LIBRARY_PATH=$LIB ldd "$b" | grep -q "$COPY_SSL" || fail "$b would not load $COPY_SSL"
done
# tlsdump reads the patched version and has a profile for it (so this is a
# wrong profile, not a missing one).
"$TLSDUMP" tls --list --libssl "$COPY_SSL" >"$WORK/list.out" 2>&1
grep -A2 -F "$COPY_SSL" "$WORK/list.out" >"$WORK/list.copy"
grep -q "OpenSSL $fake" "$WORK/list.copy" || fail "tlsdump --list does not see $fake in the copy: $(cat "$WORK/list.out")"
grep -q 'offsets: none' "$WORK/list.copy" && fail "tlsdump has no profile for $fake: nothing to refuse: $(cat "$WORK/list.copy")"

P1=$(rand_port) # server and clients on the patched copy
P2=$((P1 + 1))  # untouched: the system's OpenSSL
"$TLSDUMP" tls -v -m pcap -i lo -w "$WORK/r.pcapng" -k "$WORK/r.keys" \
	"tcp port $P1 or tcp port $P2" 2>"$WORK/r.err" &
TD_PID=$!
wait_attached r "$TD_PID"

LD_LIBRARY_PATH=$LIB "$ossl_bin" s_server -quiet -accept "127.0.0.1:$P1" -cert "$WORK/cert.pem" \
	-key "$WORK/key.pem" -www -keylogfile "$WORK/srv1.truth" </dev/null >/dev/null 2>&1 &
SRV1=$!
"$ossl_bin" s_server -quiet -accept "127.0.0.1:$P2" -cert "$WORK/cert.pem" \
	-key "$WORK/key.pem" -www </dev/null >/dev/null 2>&1 &
SRV2=$!
wait_listen - tcp "$P1"
wait_listen - tcp "$P2"
grep -qF "$COPY_SSL" /proc/$SRV1/maps && grep -qF "$COPY_CRYPTO" /proc/$SRV1/maps ||
	fail "s_server (pid $SRV1) does not map the copies: $(grep -E 'libssl|libcrypto' /proc/$SRV1/maps)"
grep -qF "$COPY_SSL" /proc/$SRV2/maps && fail "the untouched s_server maps the copy"

# tlsdump rescans every 2 s: wait for it to probe the copy (at least 3 s).
sleep 3
for i in $(seq 100); do
	grep -qF "$COPY_SSL" "$WORK/r.err" && break
	sleep 0.1
done
grep -qF "$COPY_SSL" "$WORK/r.err" || fail "tlsdump did not notice $COPY_SSL: $(cat "$WORK/r.err")"

PATCHED_PIDS="$SRV1"
: >"$WORK/patched.truth"
n=0
patched_get() { # curl options...: a client on the copies
	n=$((n + 1))
	LD_LIBRARY_PATH=$LIB SSLKEYLOGFILE="$WORK/c$n.truth" curl -sk -o /dev/null "$@" \
		"https://127.0.0.1:$P1/patched$n" &
	PATCHED_PIDS="$PATCHED_PIDS $!"
	wait $! || fail "curl (copies) $*"
	cat "$WORK/c$n.truth" >>"$WORK/patched.truth"
}
patched_get --tlsv1.3
patched_get --tlsv1.2 --tls-max 1.2
patched_get --tlsv1.3
m=0
: >"$WORK/control.truth"
control_get() { # curl options...: the system's OpenSSL
	m=$((m + 1))
	SSLKEYLOGFILE="$WORK/k$m.truth" curl -sk -o /dev/null "$@" "https://127.0.0.1:$P2/control$m" ||
		fail "curl (system) $*"
	cat "$WORK/k$m.truth" >>"$WORK/control.truth"
}
control_get --tlsv1.3
control_get --tlsv1.2 --tls-max 1.2
sleep 0.5
stop_pid "$TD_PID"
[ "$RC" = 0 ] || fail "tlsdump exit $RC: $(cat "$WORK/r.err")"
kill "$SRV1" "$SRV2" 2>/dev/null
cat "$WORK/srv1.truth" >>"$WORK/patched.truth" 2>/dev/null
[ "$(grep -c . "$WORK/patched.truth")" -ge 6 ] || fail "ground truth of the patched sessions too small"

# DSB lines of the pcapng.
python3 - "$WORK/r.pcapng" >"$WORK/dsb.keys" <<'PY' || fail "reading DSBs"
import struct, sys
d = open(sys.argv[1], "rb").read()
off = 0
while off + 12 <= len(d):
    t, l = struct.unpack("<II", d[off:off + 8])
    if t == 10:
        st, sl = struct.unpack("<II", d[off + 8:off + 16])
        sys.stdout.write(d[off + 16:off + 16 + sl].decode())
    off += l
PY

# Every check at once, so that a failure shows everything.
python3 - "$WORK" "$COPY_SSL" "$PATCHED_PIDS" <<'PY' || fail "refusal (see above)"
import re, sys
work, lib, pids = sys.argv[1], sys.argv[2], set(sys.argv[3].split())
err = open(f"{work}/r.err").read().splitlines()
def lines(p):
    return [l for l in open(p).read().splitlines() if l and not l.startswith("#")]
truth = lines(f"{work}/patched.truth")
control = lines(f"{work}/control.truth")
ours = lines(f"{work}/r.keys")
dsb = lines(f"{work}/dsb.keys")
bad = []
# 1. one warning naming the library and saying its keys are not written
warn = [l for l in err if lib in l and "save success" not in l
        and not re.search(r": OpenSSL \S+, offsets ", l)]
said = [l for l in warn if re.search(r"not (written|captured)|none of its keys (is |are )?written", l)]
if len(said) != 1:
    bad.append(f"expected 1 warning naming {lib} saying its keys are not written, got {len(said)}: {said}")
if len(warn) != len(said):
    bad.append(f"other messages about {lib}: {[l for l in warn if l not in said]}")
# 2. no key line saved for a process on the copy (tlsdump -v names the pid)
saved = [l for l in err if "save success" in l]
from_patched = [l for l in saved if re.search(r"pid=(\d+)", l).group(1) in pids]
if from_patched:
    bad.append("SERIOUS: key lines saved for processes using the refused build:\n  " + "\n  ".join(from_patched))
# 3. and none with a client random of the patched sessions, in the key log or the DSBs
crs = {l.split()[1] for l in truth}
for name, got in (("key log", ours), ("pcapng DSBs", dsb)):
    hit = [l for l in got if len(l.split()) == 3 and l.split()[1] in crs]
    if hit:
        bad.append(f"SERIOUS: {name} has lines for the refused sessions:\n  " + "\n  ".join(hit))
# every line written must be a line some client really used: wrong lines of
# a refused build would carry a wrong client random
crs_of_patched_pids = {re.search(r"client_random=([0-9a-f]+)", l).group(1) for l in from_patched}
wrong = [l for l in ours if l.split()[1] in crs_of_patched_pids]
if wrong:
    bad.append("SERIOUS: the key log holds these lines of the refused build (ground truth has other values):\n  "
               + "\n  ".join(wrong) + "\n ground truth of those sessions:\n  " + "\n  ".join(truth))
# 4. the untouched process was captured in the same run, exactly
missing = [l for l in control if l not in ours]
if missing:
    bad.append("the untouched process's lines are missing:\n  " + "\n  ".join(missing))
if not set(dsb) <= set(ours):
    bad.append("DSB lines that are not in the key log: " + str(sorted(set(dsb) - set(ours))))
if bad:
    print("\n".join(bad))
    print("--- tlsdump stderr (save lines elided) ---")
    print("\n".join(l for l in err if "save success" not in l))
    sys.exit(1)
print(f"warning: {said[0]}")
print(f"{len(ours)} key lines written, none for the {len(crs)} refused sessions; "
      f"{len(control)} lines of the untouched process all there")
PY
ok "refused build: one warning, no key line, no DSB for its sessions"

# 5. tshark cannot decrypt the refused sessions, and does decrypt the others.
tshark -r "$WORK/r.pcapng" -Y http.request -T fields -e http.request.uri 2>/dev/null | sort >"$WORK/uris"
grep -q '^/patched' "$WORK/uris" && fail "tshark decrypted a refused session: $(tr '\n' ' ' <"$WORK/uris")"
for i in $(seq $m); do
	grep -qx "/control$i" "$WORK/uris" || fail "untouched request /control$i not decrypted (got: $(tr '\n' ' ' <"$WORK/uris"))"
done
[ "$(tshark -r "$WORK/r.pcapng" -Y "tcp.port == $P1" 2>/dev/null | wc -l)" -gt 0 ] ||
	fail "no packet of the refused sessions in the file (they must be captured, only without keys)"
readers_clean "$WORK/r.pcapng"
ok "packets of the refused sessions captured without keys; the untouched ones decrypt"
