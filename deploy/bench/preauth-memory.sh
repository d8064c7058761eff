#!/usr/bin/env bash
# Pre-auth memory benchmark (issue 8): memory held by N connections that never log in, each stuck in the middle
# of a 64 KiB literal, through an in-JVM Postern: once with limits.preauth_memory out of the way (2047MiB, as
# before the budget) and once with its default (64MiB), each in a fresh JVM. Prints heap (after GC) and direct
# memory held; not a test.
#
#   deploy/bench/preauth-memory.sh [connections (5000)]
#
# Each connection costs two descriptors in the one JVM (stay under the open-files cap: 20,000 here). Clients bind
# 127.0.1.x source addresses. Extra Maven flags (e.g. -o for offline) go in POSTERN_MVN_FLAGS.
set -euo pipefail
here="$(dirname "${BASH_SOURCE[0]}")"
for budget in 2047MiB 64MiB; do
    bash "$here/run-bench.sh" dev.postern.bench.PreAuthMemoryBenchmark "${1:-5000}" "$budget"
done
