#!/usr/bin/env bash
# The two base images of deploy/container/Containerfile, made from the Debian packages with mmdebstrap (no
# registry needed): localhost/postern-build-base:bookworm (JDK 17 and Maven) and
# localhost/postern-runtime-base:bookworm (Java 17 runtime, curl for the preStop hook, CA certificates).
# Skips a base that exists already. Needs root, mmdebstrap and podman.
set -euo pipefail
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
podman_cmd=(podman ${PODMAN_FLAGS:-})
make_base() {
  local name=$1 packages=$2
  if "${podman_cmd[@]}" image exists "$name"; then
    return
  fi
  local tar
  tar=$(mktemp --suffix=.tar)
  trap 'rm -f "$tar"' RETURN
  mmdebstrap --quiet --variant=apt --include="$packages" bookworm "$tar" "$mirror"
  "${podman_cmd[@]}" import "$tar" "$name" >/dev/null
}
make_base localhost/postern-build-base:bookworm openjdk-17-jdk-headless,maven
make_base localhost/postern-runtime-base:bookworm openjdk-17-jre-headless,curl,ca-certificates
