#!/usr/bin/env bash
# Shared by the benchmark scripts: compiles the tests and runs one benchmark class from the test sources with the
# test classpath and the quiet bench logging.  Usage: run-bench.sh <main class> [args...]
# Extra Maven flags (e.g. -o for offline) go in POSTERN_MVN_FLAGS.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
main_class=$1
shift
# shellcheck disable=SC2086 # word splitting of the flags is intended
mvn -q -B -ntp ${POSTERN_MVN_FLAGS:-} test-compile
classpath_file=$(mktemp)
trap 'rm -f "$classpath_file"' EXIT
# shellcheck disable=SC2086
mvn -q -B -ntp ${POSTERN_MVN_FLAGS:-} dependency:build-classpath -Dmdep.includeScope=test \
    -Dmdep.outputFile="$classpath_file"
java -Dlogback.configurationFile=deploy/bench/logback-bench.xml \
    -cp "target/classes:target/test-classes:$(cat "$classpath_file")" "$main_class" "$@"
