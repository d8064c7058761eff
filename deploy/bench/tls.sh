#!/usr/bin/env bash
# TLS handshake benchmark (issue 4): full and resumed handshakes per second through an in-JVM Postern, OpenSSL
# (BoringSSL) against JDK provider, ECDSA P-256 against RSA 2048 certificate. Prints a table; not a test.
#
#   deploy/bench/tls.sh [seconds-per-figure (4)] [connections-in-parallel (8)]
#
# About a minute with the defaults; everything runs on 127.0.0.1 and stops by itself. No Dovecot needed (the
# client stops at Postern's greeting). Extra Maven flags (e.g. -o for offline) go in POSTERN_MVN_FLAGS.
set -euo pipefail
exec bash "$(dirname "${BASH_SOURCE[0]}")/run-bench.sh" dev.postern.bench.TlsHandshakeBenchmark "$@"
