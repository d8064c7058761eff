#!/usr/bin/env bash
# Routing benchmark (issue 3): route lookups/s from a warm cache, and logins/s through an in-JVM Postern to a real
# Dovecot with an auth_http source answering in 20 ms, route cache on vs off. Prints figures; not a test.
#
#   deploy/bench/routing.sh [login-seconds-per-mode (15)] [client-threads (16)]
#
# Needs root and Dovecot (bash .ci/install-test-deps.sh), like the integration tests; about 1.5 minutes with the
# defaults. Everything runs on 127.0.0.1. Extra Maven flags (e.g. -o for offline) go in POSTERN_MVN_FLAGS.
set -euo pipefail
exec bash "$(dirname "${BASH_SOURCE[0]}")/run-bench.sh" dev.postern.bench.RoutingBenchmark "$@"
