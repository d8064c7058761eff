#!/usr/bin/env bash
# Side-by-side benchmark (issue 15): HAProxy, nginx's mail module and Postern, each a fresh process of its own doing
# the same job (implicit TLS 1.3, the same ECDSA P-256 certificate, X25519, in front of the same test Dovecot), plus
# Postern with X25519MLKEM768; the same load for each. Prints one table with ratios and writes target/compare.md.
#
#   deploy/bench/compare.sh [seconds-per-figure (10)] [idle sizes (2000,4000,8000)] [warm-up seconds (60)] [runs (1)]
#
# With several runs it prints each run's table, then one of medians (each ratio the median of the runs' ratios).
#
# About 20 minutes with the defaults on 2 cores. Needs what the README's test command installs (Dovecot, HAProxy,
# the nginx root from .ci/legacy-roots.sh) and root (Dovecot and the chroot need it). Builds the jar first.
# Everything listens on 127.0.0.1 and stops by itself. Extra Maven flags (e.g. -o) go in POSTERN_MVN_FLAGS.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
# shellcheck disable=SC2086
mvn -q -B -ntp ${POSTERN_MVN_FLAGS:-} -DskipTests -Djacoco.skip=true package
exec bash deploy/bench/run-bench.sh dev.postern.bench.compare.CompareBenchmark "$@"
