#!/usr/bin/env bash
# Runs Postern on the default configuration (conf/postern.yaml), building target/postern.jar first when it is
# missing or older than the sources. On a fresh Debian/Ubuntu machine it installs a JDK 17 and Maven first.
# Extra arguments go to Postern (e.g. --config other.yaml, --check-config).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! command -v mvn >/dev/null 2>&1 || ! command -v javac >/dev/null 2>&1; then
  as_root=()
  [ "$(id -u)" -eq 0 ] || as_root=(sudo)
  "${as_root[@]}" apt-get update
  DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y --no-install-recommends openjdk-17-jdk-headless maven
fi

jar=target/postern.jar
if [ ! -f "$jar" ] || [ -n "$(find pom.xml src -newer "$jar" -print -quit)" ]; then
  mvn -B -ntp -q -DskipTests package
fi

if [ "$#" -eq 0 ]; then
  set -- --config conf/postern.yaml
fi
exec java -jar "$jar" "$@"
