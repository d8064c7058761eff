#!/usr/bin/env bash
# Installs what Postern's build and tests need on a fresh Debian 12 / Ubuntu machine: a JDK 17+, Maven, Dovecot
# (imapd) for the integration tests' real IMAP backends, HAProxy as the load balancer in front of Postern,
# headless Chromium for the admin status page, curl, python3, openssl and testssl.sh for the client-side and TLS
# checks, lintian, systemd-analyze and dpkg for the Debian package's test, and podman, runc and mmdebstrap for
# the container image's (its bases are made from the Debian packages: no registry is needed), and for the interop
# matrix (LegacyServersIT) fetchmail, isync (mbsync), offlineimap3 and neomutt, plus two Debian roots with Cyrus IMAP
# and Courier IMAP (.ci/legacy-roots.sh: their packages conflict with dovecot-imapd, so they are not installed here). Idempotent and quick when everything is already there: apt runs only for what is
# missing. Runs as root, or through sudo otherwise.
#
# The tests start their own Dovecot instances (own config, run dir and loopback ports, see
# src/test/java/dev/postern/testing/DovecotServer.java); a system Dovecot that the package may start on 143/993
# is left alone and never used.
set -euo pipefail

# command-to-check:package pairs
checks=(
  "javac:openjdk-17-jdk-headless"
  "mvn:maven"
  "/usr/sbin/dovecot:dovecot-core"
  "/usr/lib/dovecot/imap-login:dovecot-imapd"
  "curl:curl"
  "python3:python3"
  "openssl:openssl"
  "testssl:testssl.sh"
  "update-ca-certificates:ca-certificates"
  "/usr/sbin/haproxy:haproxy"
  "/usr/bin/chromium:chromium"
  "lintian:lintian"
  "systemd-analyze:systemd"
  "dpkg-deb:dpkg"
  "useradd:passwd"
  "podman:podman"
  "runc:runc"
  "mmdebstrap:mmdebstrap"
  "fetchmail:fetchmail"
  "mbsync:isync"
  "offlineimap:offlineimap3"
  "neomutt:neomutt"
  "unshare:util-linux"
)

have() {
  case "$1" in
    /*) [ -x "$1" ] ;;
    *) command -v "$1" >/dev/null 2>&1 ;;
  esac
}

java_is_17_or_later() {
  have javac || return 1
  local version
  version=$(javac -version 2>&1 | awk '{print $2}')
  [ "${version%%.*}" -ge 17 ] 2>/dev/null
}

missing=()
for check in "${checks[@]}"; do
  command_name=${check%%:*}
  package=${check#*:}
  if [ "$command_name" = javac ]; then
    java_is_17_or_later || missing+=("$package")
  elif [ "$command_name" = testssl ]; then
    have testssl || have testssl.sh || missing+=("$package")
  else
    have "$command_name" || missing+=("$package")
  fi
done

# toxiproxy-server for the fault tests (*FaultIT): built from the Go module proxy into $(go env GOPATH)/bin/server.
toxiproxy() {
  local gobin
  if ! command -v go >/dev/null 2>&1 && [ ! -x /usr/local/go/bin/go ]; then
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends golang-go
  fi
  PATH="$PATH:/usr/local/go/bin"
  gobin="$(go env GOPATH)/bin/server"
  if [ ! -x "$gobin" ]; then
    echo "install-test-deps: building toxiproxy-server v2.12.0"
    go install github.com/Shopify/toxiproxy/v2/cmd/server@v2.12.0
  fi
}

as_root=()
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then
  as_root=(sudo)
fi

legacy_roots() {
  "${as_root[@]}" bash "$(dirname "$0")/legacy-roots.sh"
}

if [ "${#missing[@]}" -eq 0 ]; then
  toxiproxy
  legacy_roots
  echo "install-test-deps: everything is installed"
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  as_root=(sudo)
else
  echo "install-test-deps: need root or sudo to install: ${missing[*]}" >&2
  exit 1
fi

echo "install-test-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -q
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"

for check in "${checks[@]}"; do
  command_name=${check%%:*}
  if [ "$command_name" = testssl ]; then
    have testssl || have testssl.sh || { echo "install-test-deps: testssl still missing" >&2; exit 1; }
  elif [ "$command_name" = javac ]; then
    java_is_17_or_later || { echo "install-test-deps: javac is not 17 or later: $(javac -version 2>&1)" >&2; exit 1; }
  else
    have "$command_name" || { echo "install-test-deps: $command_name still missing" >&2; exit 1; }
  fi
done
toxiproxy
legacy_roots
echo "install-test-deps: done"
