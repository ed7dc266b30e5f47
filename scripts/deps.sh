#!/usr/bin/env bash
# Install the Debian packages chiso needs (idempotent).
#   scripts/deps.sh [extra-package...]     e.g. scripts/deps.sh chromium
# clickhouse-*: local database for the demo and the tests (scripts/clickhouse.sh);
# python3-aiosmtpd: throw-away SMTP server for mail tests;
# fonts-dejavu-core: Vietnamese-capable font for rendered reports.
set -euo pipefail

pkgs=(clickhouse-server clickhouse-client python3-aiosmtpd fonts-dejavu-core "$@")

# Only what is not installed yet; nothing to do => no apt, no root, no network.
missing=()
for p in "${pkgs[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
    [ "$status" = installed ] || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "deps.sh: all packages already installed"
    exit 0
fi

# Root runs apt directly (containers often lack sudo); others go through sudo.
sudo=()
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "deps.sh: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
    sudo=(sudo)
fi

echo "deps.sh: installing ${missing[*]}"
"${sudo[@]}" apt-get update
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends "${missing[@]}"
