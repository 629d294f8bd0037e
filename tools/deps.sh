#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# tools/deps.sh - install the Debian packages tlsdump's build and tests
# need, and only those that are missing (so it is quick and offline-safe
# on a ready machine).
set -eu
pkgs=(clang llvm libbpf-dev bpftool libpcap-dev libelf-dev zlib1g-dev
      libssl-dev pkg-config make gcc libclang-rt-14-dev
      tshark tcpdump iproute2 iputils-ping curl openssl python3 procps
      iperf3 time binutils dpkg-dev debian-archive-keyring golang-go
      gnutls-bin libgnutls28-dev libunistring-dev wget git nghttp2-server
      chromium android-libboringssl android-libboringssl-dev
      libnss3-tools libnss3-dev firefox-esr nodejs strace man-db groff-base runc)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "deps: all ${#pkgs[@]} packages present"
	exit 0
fi
echo "deps: installing ${missing[*]}"
[ "$(id -u)" = 0 ] || { echo "deps: run as root (apt-get install)" >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer no, quietly.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
# iperf3 (bench/capture.sh) asks whether to start a daemon at boot: no.
echo "iperf3 iperf3/start_daemon boolean false" | debconf-set-selections
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
