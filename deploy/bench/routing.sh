#!/usr/bin/env bash
# Routing benchmark (issue 3): route lookups/s from a warm cache, and logins/s through an in-JVM Postern to a real
# Dovecot with an auth_http source answering in 20 ms, route cache on vs off. Prints figures; not a test.
#
#   deploy/bench/routing.sh [login-seconds-per-mode (15)] [client-threads (16)]
#
# Needs root and Dovecot (bash .ci/install-test-deps.sh), like the integration tests; about 1.5 minutes with the
# defaults. Everything runs on 127.0.0.1. Extra Maven flags (e.g. -o for offline) go in POSTERN_MVN_FLAGS.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
# shellcheck disable=SC2086 # word splitting of the flags is intended
mvn -q -B -ntp ${POSTERN_MVN_FLAGS:-} test-compile
classpath_file=$(mktemp)
trap 'rm -f "$classpath_file"' EXIT
# shellcheck disable=SC2086
mvn -q -B -ntp ${POSTERN_MVN_FLAGS:-} dependency:build-classpath -Dmdep.includeScope=test \
    -Dmdep.outputFile="$classpath_file"
exec java -Dlogback.configurationFile=deploy/bench/logback-bench.xml \
    -cp "target/classes:target/test-classes:$(cat "$classpath_file")" dev.postern.bench.RoutingBenchmark "$@"
