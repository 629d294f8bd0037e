# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# tools/lib/private-apt.sh - sourced by bash scripts: apt-get and apt-cache
# through a private apt configuration, so that a script can fetch packages
# (binary or source) of any Debian release without reading or changing the
# system's apt setup.  The configuration lives in one folder:
#   DIR/sources.list      the lines given to papt_init
#   DIR/sources.list.d/   empty (no system sources.list.d)
#   DIR/lists/            package lists (apt-get update)
#   DIR/cache/            apt's caches (pkgcache.bin, archives/)
#   DIR/status            an empty dpkg status: the system's installed
#                         packages neither hide nor win a candidate version
#
#   . tools/lib/private-apt.sh
#   papt_init DIR "deb-src $(papt_signed) http://deb.debian.org/debian trixie main" ...
#   papt update            # apt-get with the private options
#   papt_cache showsrc openssl
#   (cd somewhere && papt source openssl=3.5.7-1~deb13u2)
#   (cd somewhere && papt download libssl1.1=1.1.1w-0+deb11u8)
#
# Environment: DEBIAN_MIRROR (default http://deb.debian.org/debian),
# DEBIAN_SECURITY_MIRROR (default http://deb.debian.org/debian-security),
# DEBIAN_KEYRING (default /usr/share/keyrings/debian-archive-keyring.gpg,
# checks the Release signatures).  Needs: apt; dpkg-dev for `source`.

PAPT_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
PAPT_SECURITY=${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
PAPT_KEYRING=${DEBIAN_KEYRING:-/usr/share/keyrings/debian-archive-keyring.gpg}
PAPT_OPTS=()

# The "[signed-by=...]" option of a sources.list line.
papt_signed() { echo "[signed-by=$PAPT_KEYRING]"; }

# papt_init DIR LINE... : write the configuration into DIR, set PAPT_OPTS.
papt_init() {
	local dir=$1
	shift
	mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial" "$dir/sources.list.d"
	printf '%s\n' "$@" >"$dir/sources.list"
	: >"$dir/status"
	PAPT_OPTS=(
		-o "Dir::Etc::SourceList=$dir/sources.list"
		-o "Dir::Etc::SourceParts=$dir/sources.list.d"
		-o "Dir::State::Lists=$dir/lists"
		-o "Dir::State::status=$dir/status"
		-o "Dir::Cache=$dir/cache"
		-o "APT::Sandbox::User=root"
		-o "Acquire::Languages=none"
		-o "Acquire::Retries=3"
	)
}

papt() { apt-get "${PAPT_OPTS[@]}" "$@"; }
papt_cache() { apt-cache "${PAPT_OPTS[@]}" "$@"; }

# papt_versions PKG [SOURCE] : the versions of PKG the lists know, newest
# first (binary packages; with SOURCE=src, source packages).
papt_versions() {
	if [ "${2:-}" = src ]; then
		papt_cache showsrc "$1" |
			awk -v p="$1" '$1 == "Package:" { n = $2 } $1 == "Version:" && n == p { print $2 }'
	else
		papt_cache show "$1" | awk '$1 == "Version:" { print $2 }'
	fi | sort -u -r -V
}

# deb_rules_var SRC_DIR VAR : the value of make variable VAR of an unpacked
# Debian source package's debian/rules, evaluated by make itself (so
# conditionals and continuation lines count) as for an amd64 build; empty
# when debian/rules cannot be read that way.
deb_rules_var() {
	(cd "$1" && make -s --no-print-directory -f - tlsdump-print-var VAR="$2" <<'MK'
DEB_HOST_ARCH := amd64
DEB_HOST_MULTIARCH := x86_64-linux-gnu
DEB_HOST_ARCH_CPU := amd64
DEB_HOST_GNU_TYPE := x86_64-linux-gnu
DEB_BUILD_GNU_TYPE := x86_64-linux-gnu
-include debian/rules
tlsdump-print-var:
	@echo $($(VAR))
MK
	) 2>/dev/null || true
}
