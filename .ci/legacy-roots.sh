#!/usr/bin/env bash
# Small Debian roots: for the interop tests' legacy IMAP servers, Cyrus IMAP and Courier IMAP, and for the side-by-side
# benchmark (deploy/bench/compare.sh), nginx with its mail module (whose package would start a system nginx on
# port 80 if installed). Debian's
# dovecot-imapd, cyrus-imapd and courier-imap each declare Conflicts: imap-server, so only Dovecot is installed
# on the machine; the other two run from a root of their own made by mmdebstrap from the Debian packages. The tests
# (src/test/java/dev/postern/testing/ChrootedServer.java) start them with chroot in a private mount namespace,
# their config, users and spool bind-mounted from the test's temporary directory; no service is ever started.
# Skips a root that exists; a root is built beside its final name and moved into place only when complete.
# Needs root and mmdebstrap. POSTERN_LEGACY_ROOTS overrides the directory (default /var/lib/postern-tests/roots).
set -euo pipefail
roots=${POSTERN_LEGACY_ROOTS:-/var/lib/postern-tests/roots}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
security=${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
mkdir -p "$roots"
make_root() {
  local name=$1 packages=$2
  [ -x "$roots/$name/usr/bin/env" ] && return
  echo "legacy-roots: building $roots/$name ($packages)"
  rm -rf "$roots/$name.partial"
  mmdebstrap --quiet --variant=apt --include="$packages" bookworm "$roots/$name.partial" \
    "deb $mirror bookworm main" "deb $mirror bookworm-updates main" "deb $security bookworm-security main"
  # the mount points the tests bind their instance directory onto
  mkdir -p "$roots/$name.partial/srv/postern" "$roots/$name.partial/run/courier"
  mv "$roots/$name.partial" "$roots/$name"
}
make_root cyrus cyrus-imapd,sasl2-bin,libsasl2-modules
make_root courier courier-imap
make_root nginx nginx,libnginx-mod-mail
