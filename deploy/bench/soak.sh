#!/usr/bin/env bash
# Soak tool (issue 12): Postern as its own process in front of a real Dovecot, holding thousands of logged-in idle
# TLS sessions while churn workers log in and out through a toxiproxy-server whose toxics change on a schedule
# (latency, small segments, a slow reader, resets, stalls, cuts). Prints every 30 s: sessions, connections,
# logins/s, p99 login time, heap after GC, direct memory, Netty's buffers, open descriptors, the toxics, errors by
# kind; ends with a verdict (no growth first quarter to last, no message lost or corrupt, no idle session lost,
# zero sessions once the clients left). Exit status 0 only for a clean verdict.
#
#   deploy/bench/soak.sh [minutes (20)] [idle sessions (8000)] [churn workers (8)]
#
# Needs what the tests need (bash .ci/install-test-deps.sh) and root (Dovecot). Loopback only; stops by itself.
# Extra Maven flags (e.g. -o for offline) go in POSTERN_MVN_FLAGS.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
# shellcheck disable=SC2086 # word splitting of the flags is intended
mvn -q -B -ntp ${POSTERN_MVN_FLAGS:-} package -DskipTests -Djacoco.skip=true
exec bash deploy/bench/run-bench.sh dev.postern.soak.Soak "$@"
