#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# test_gnutls38.sh against Debian sid's GnuTLS 3.8 (3.8.13 when this was
# written; tools/fixtures/gnutls.sh 3.8-sid): from 3.8.11 on the session's
# internals (the key-log callback among them) sit 0x60 further on, and
# locate.c must find that in the code as it found 3.8.9's.
GNUTLS_FIXTURE=3.8-sid exec bash "$(dirname "$0")/test_gnutls38.sh"
