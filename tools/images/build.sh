#!/usr/bin/env bash
# `make images`: the four service images built with Buildah on this machine, no Docker engine and no registry.
# The base is Debian bookworm made by debootstrap (minbase, Debian's python3.11) and imported as a local image; each
# Dockerfile takes it as ARG BASE, whose default stays the public python:3.11-slim-bookworm. pip inside the build
# verifies PyPI with this machine's CA bundle, passed as the build secret pip-ca (the network may intercept TLS).
set -euo pipefail
cd "$(dirname "$0")/../.."

for tool in buildah debootstrap; do
    if ! command -v "$tool" >/dev/null; then
        echo "images: $tool not found (apt-get install buildah debootstrap)" >&2
        exit 1
    fi
done

BASE=localhost/csi-base:bookworm
WORK=var/images
TAG=${TAG:-dev}
CA=${PIP_CA:-/etc/ssl/certs/ca-certificates.crt}
SERVICES=(survey-api callback-scheduler scoring complaints)
mkdir -p "$WORK"

if ! buildah inspect --type image "$BASE" >/dev/null 2>&1; then
    if [ ! -x "$WORK/rootfs/usr/bin/python3" ]; then
        rm -rf "$WORK/rootfs"
        debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates \
            bookworm "$WORK/rootfs" http://deb.debian.org/debian >"$WORK/debootstrap.log"
    fi
    rm -rf "$WORK/rootfs/var/cache/apt/archives/"*.deb "$WORK/rootfs/var/lib/apt/lists/"*
    tar -C "$WORK/rootfs" --exclude=./dev --exclude=./proc --exclude=./sys -cf "$WORK/rootfs.tar" .
    container=$(buildah from scratch)
    buildah add "$container" "$WORK/rootfs.tar" / >/dev/null
    buildah config --cmd '["python3"]' --label org.opencontainers.image.title=csi-base "$container"
    buildah commit --rm --quiet "$container" "$BASE" >/dev/null
    rm -f "$WORK/rootfs.tar"
    echo "base $BASE from debootstrap"
fi

for service in "${SERVICES[@]}"; do
    start=$(date +%s)
    buildah bud --quiet --isolation chroot --layers --build-arg "BASE=$BASE" --secret "id=pip-ca,src=$CA" \
        -f "services/$service/Dockerfile" -t "localhost/csi/$service:$TAG" . >/dev/null
    echo "image localhost/csi/$service:$TAG built in $(( $(date +%s) - start )) s"
done
buildah images --format '{{.Name}}:{{.Tag}} {{.Size}}' | grep -E 'csi(-base|/)' || true
