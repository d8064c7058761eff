#!/usr/bin/env bash
# Runs Postern on the default configuration (conf/postern.yaml), building target/postern.jar first when it is
# missing or older than the sources. On a fresh Debian/Ubuntu machine it installs a JDK 17 and Maven first.
# Extra arguments go to Postern (e.g. --config other.yaml, --check-config, probe HOST).
# --demo: the first five minutes. Starts a throwaway Dovecot (deploy/demo-backend.sh, user demo / demo-pass) on
# 127.0.0.1:${DEMO_PORT:-11430}, routes the default pool to it, prints the client lines that log in, runs Postern.
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

if [ "${1:-}" = "--demo" ]; then
  demo_port="${DEMO_PORT:-11430}"
  PORT="$demo_port" bash deploy/demo-backend.sh > target/demo-backend.log 2>&1 &
  backend=$!
  trap 'kill "$backend" 2>/dev/null || true' EXIT
  for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$demo_port") 2>/dev/null; then break; fi
    kill -0 "$backend" 2>/dev/null || { cat target/demo-backend.log >&2; exit 1; }
    sleep 0.2
  done
  sed -e "s#\"127.0.0.1:143\"#\"127.0.0.1:$demo_port\"#" -e "s#\.\./certs/#$PWD/certs/#g" \
    conf/postern.yaml > target/demo.yaml
  cat <<DEMO
Demo: Dovecot on 127.0.0.1:$demo_port (user demo, password demo-pass) behind Postern. In another terminal:

  curl --insecure imaps://127.0.0.1:1993/INBOX -u demo:demo-pass
  curl --insecure --ssl-reqd imap://127.0.0.1:1143/ -u demo:demo-pass
  python3 -c 'import imaplib,ssl; c=ssl.create_default_context(); c.check_hostname=False; c.verify_mode=ssl.CERT_NONE; m=imaplib.IMAP4_SSL("127.0.0.1",1993,ssl_context=c); print(m.login("demo","demo-pass")); print(m.select("INBOX")); m.logout()'
  curl -s http://127.0.0.1:1990/sessions        # the admin API

Ctrl-C stops both.
DEMO
  java -jar "$jar" --config target/demo.yaml
  exit $?
fi

if [ "$#" -eq 0 ]; then
  set -- --config conf/postern.yaml
fi
exec java -jar "$jar" "$@"
