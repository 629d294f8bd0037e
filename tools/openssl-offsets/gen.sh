#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# tools/openssl-offsets/gen.sh RELEASE - print the OpenSSL offset profile of
# a Debian release as one C initializer line of struct ossl_profile
# (src/sources/openssl/profiles.c), computed with offsetof() against the Debian
# source package of that release, Debian's patches applied and configured
# with Debian's own Configure options (debian/rules).
#
#   tools/openssl-offsets/gen.sh bookworm                     # print the row
#   tools/openssl-offsets/gen.sh trixie > tools/openssl-offsets/trixie.out
#
# Adding a new version is that one command: paste the printed line into
# src/sources/openssl/profiles.c, keep the output in tools/openssl-offsets/
# RELEASE.out, and tests/unit/test_profiles.c checks that the two agree.
# Known releases: bullseye (1.1.1w), bookworm (3.0.x), trixie (3.5.x); any
# other Debian suite name works too (e.g. sid, forky).
#
# Needs: network to Debian's package registry (apt-get source through a
# private apt configuration, tools/lib/private-apt.sh: its own sources.list
# with a deb-src line, own lists and cache folders passed with -o Dir::...;
# the system's apt setup is neither read for sources nor changed), dpkg-dev
# (dpkg-source), perl and a C compiler (build-essential);
# debian-archive-keyring to check the Release signatures.  Nothing is
# installed and the library is not built: only ./Configure and the
# generated headers (make build_generated).
#
# Time (2 cores, measured): 5 s (bullseye), 12 s (bookworm), 18 s (trixie)
# from scratch: ~15 MB download in a few seconds, then Configure and the
# generated headers; the work folder then holds ~200 MB.  A rerun reuses
# the configured tree there and takes 0.2 s.
#
# Which version: the newest openssl source of RELEASE, RELEASE-updates or
# RELEASE-security whose files the registry serves; when one is listed but
# its files answer 404 (seen for bookworm-security and trixie's newest), the
# next older one is taken.  The row's origin names the exact Debian version.
#
# Environment: OSSL_GEN_WORK work folder (default /tmp/tlsdump-openssl-offsets/
# RELEASE; delete it to start afresh), DEBIAN_MIRROR (default
# http://deb.debian.org/debian), CC (default cc).  Progress goes to stderr,
# the row alone to stdout.
set -euo pipefail

release=${1:?usage: gen.sh RELEASE (bullseye, bookworm, trixie, ...)}
here=$(cd "$(dirname "$0")" && pwd)
work=${OSSL_GEN_WORK:-/tmp/tlsdump-openssl-offsets/$release}
cc=${CC:-cc}

log() { printf 'gen.sh %s: %s\n' "$release" "$*" >&2; }

# --- 1. the source package, through a private apt configuration ---------
. "$here/../lib/private-apt.sh"
apt_dir=$work/apt
mkdir -p "$work/src"
papt_init "$apt_dir" \
	"deb-src $(papt_signed) $PAPT_MIRROR $release main" \
	"deb-src $(papt_signed) $PAPT_MIRROR $release-updates main" \
	"deb-src $(papt_signed) $PAPT_SECURITY $release-security main"
# A suite may lack -updates or -security (sid): apt then only warns.
src_dir=$(find "$work/src" -mindepth 1 -maxdepth 1 -type d -name 'openssl-*' | head -1)
if [ -z "$src_dir" ]; then
	t0=$SECONDS
	log "apt-get update (private lists in $apt_dir)"
	papt -q update >&2
	# Newest version first; the registry may lack some files of a version
	# (seen: bookworm-security's .dsc answering 404), then try the next.
	versions=$(papt_versions openssl src)
	[ -n "$versions" ] || { log "no openssl source package in $release"; exit 1; }
	for v in $versions; do
		log "apt-get source openssl=$v"
		if (cd "$work/src" && papt -q source "openssl=$v" >&2); then
			break
		fi
		log "openssl $v could not be fetched, trying an older one"
	done
	src_dir=$(find "$work/src" -mindepth 1 -maxdepth 1 -type d -name 'openssl-*' | head -1)
	[ -n "$src_dir" ] || { log "no unpacked source in $work/src"; exit 1; }
	log "fetched in $((SECONDS - t0)) s"
fi
deb_version=$(cd "$src_dir" && dpkg-parsechangelog -S Version)
log "source $src_dir ($deb_version)"

# --- 2. Configure as Debian does, generate the headers only ---------------
# debian/rules keeps the Configure options in CONFARGS (plus ARCH_CONFARGS
# per architecture); read them with make itself so conditionals and
# continuation lines are honoured.  Options such as no-srp or no-psk change
# struct ssl_st, which is why they matter here.
if [ ! -f "$src_dir/.tlsdump-configured" ]; then
	t0=$SECONDS
	confargs=$(deb_rules_var "$src_dir" CONFARGS)
	# Keep what changes the compiled headers; drop paths and the build
	# flags (those are for a real build of the library).
	opts=()
	for a in $confargs; do
		case $a in
		no-* | enable-* | disable-*) opts+=("$a") ;;
		esac
	done
	# Debian's patches add the debian-amd64 target (linux-x86_64 plus
	# Debian's flags); older trees may lack it.
	target=linux-x86_64
	grep -qs '"debian-amd64"' "$src_dir"/Configurations/*.conf && target=debian-amd64
	log "Configure $target ${opts[*]}"
	(cd "$src_dir" && ./Configure "$target" "${opts[@]}" >"$work/configure.log" 2>&1) ||
		{ log "Configure failed, see $work/configure.log"; exit 1; }
	log "make build_generated"
	(cd "$src_dir" && make -j"$(nproc)" build_generated >"$work/make.log" 2>&1) ||
		{ log "make build_generated failed, see $work/make.log"; exit 1; }
	echo "${opts[*]}" >"$src_dir/.tlsdump-configured"
	log "configured in $((SECONDS - t0)) s"
fi

# --- 3. offsetof() ------------------------------------------------------
# 1.1.1 names the header ssl_locl.h and points at s3; 3.2+ has the TLS
# state in struct ssl_connection_st (SSL * of a TLS connection points at it).
if [ -f "$src_dir/ssl/ssl_local.h" ]; then hdr=ssl_local.h; else hdr=ssl_locl.h; fi
defs=(-DOSSL_HDR="\"ssl/$hdr\"")
grep -q '^struct ssl_connection_st {' "$src_dir/ssl/$hdr" && defs+=(-DOSSL_CONN=1)
grep -Eq '^[[:space:]]*struct ssl3_state_st \*s3;' "$src_dir/ssl/$hdr" && defs+=(-DOSSL_S3_PTR=1)

upstream=${deb_version%%-*}
upstream=${upstream#*:}
case $upstream in
1.*) prefix=$(echo "$upstream" | sed -E 's/^([0-9]+\.[0-9]+\.[0-9]+).*/\1/') ;;
*) prefix=$(echo "$upstream" | sed -E 's/^([0-9]+\.[0-9]+)\..*/\1./') ;;
esac
origin="Debian $release openssl $deb_version (generated by tools/openssl-offsets/gen.sh)"

bin=$work/offsets
"$cc" -std=gnu11 -O0 -w "${defs[@]}" -I"$src_dir" -I"$src_dir/include" \
	-DOSSL_PREFIX="\"$prefix\"" -DOSSL_ORIGIN="\"$origin\"" \
	-o "$bin" "$here/offsets.c"
"$bin"
