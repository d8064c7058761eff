#!/usr/bin/env bash
# Refusal benchmark (issue 8): time from connect to refusal for connection 51 from one address (the default
# limits.max_connections_per_ip is 50), median and p99, on a STARTTLS and an implicit-TLS listener.
#
#   deploy/bench/connlimit.sh [runs (2000)]
#
# Some seconds; everything runs on 127.0.0.1/127.0.0.51 and stops by itself; no Dovecot needed (nobody logs in).
# Extra Maven flags (e.g. -o for offline) go in POSTERN_MVN_FLAGS.
set -euo pipefail
exec bash "$(dirname "${BASH_SOURCE[0]}")/run-bench.sh" dev.postern.bench.ConnLimitBenchmark "$@"
