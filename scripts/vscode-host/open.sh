#!/bin/bash
# The main job (the README's first command, after scripts/setup.sh): build and package the
# extension (`npm run package` → artifacts/iso-workbench.vsix), install the .vsix into a real
# VS Code (code-server 4.139.1 = VS Code 1.139.1, installed by install.sh), open a folder holding
# IMAGE (a symlink: the file stays where it is) and let Chromium (headless) do what a person would,
# the 'open an image' scenario of ui-e2e.js: right-click the image → Open Image as Workspace Folder,
# wait until the image's tree is expanded (its top-level entries listed, nothing loading), save a
# screenshot, and open the workspace's URL in a fresh browser to check the image is mounted there.
# Then it prints that URL and keeps VS Code running until Ctrl-C (--no-wait: stops at once).
#   bash scripts/vscode-host/open.sh IMAGE [--no-wait]      (port: $PORT, default 8080)
# Leaves artifacts/open-image.png (the screenshot) and artifacts/open-image.json (the scenario's
# result: its steps, the tree it saw, the URL). On failure it says which step failed and keeps
# code-server's log and VS Code's logs in artifacts/vscode-host/.
set -uo pipefail
usage() { echo "usage: bash scripts/vscode-host/open.sh IMAGE [--no-wait]" >&2; exit 2; }
[ $# -ge 1 ] && [ $# -le 2 ] || usage
WAIT=1
case ${2:-} in --no-wait) WAIT=0 ;; "") ;; *) usage ;; esac
[ -f "$1" ] || { echo "open.sh: no such image file: $1" >&2; exit 2; }
IMAGE=$(realpath "$1") # before the cd: IMAGE may be relative to the caller's folder
NAME=$(basename "$IMAGE")
cd "$(dirname "$0")/../.."
REPO=$PWD
ART=$REPO/artifacts
PORT=${PORT:-8080}
D=$(mktemp -d "${TMPDIR:-/tmp}/isowb-open.XXXXXX")
say() { echo "open.sh: $*"; }
source scripts/vscode-host/lib.sh
cleanup() {
  local pid
  for pid in "${SERVERS[@]}"; do stop_cs "$pid"; done
  rm -rf "$D"
}
trap cleanup EXIT
trap 'say "interrupted"; exit 130' INT TERM
# fail WHAT [logs]: says what failed (and, with "logs", keeps code-server's and VS Code's logs)
fail() {
  say "FAILED: $1"
  [ "${2:-}" = logs ] && keep_logs open
  exit 1
}
rm -rf "$ART/open-image.png" "$ART/open-image.json" "$ART"/open-an-image-FAILED-*.png "$ART/open-image-url-FAILED.png" "$ART/vscode-host/code-server-open.log" "$ART/vscode-host/logs-open"

say "installing the VS Code host if needed (scripts/vscode-host/install.sh)"
bash scripts/vscode-host/install.sh >"$D/install.log" 2>&1 || { cat "$D/install.log"; fail "installing the VS Code host (scripts/vscode-host/install.sh)"; }
say "building and packaging the extension (npm run package)"
npm run --silent package >"$D/package.log" 2>&1 </dev/null || { cat "$D/package.log"; fail "npm run package"; }
[ -f "$ART/iso-workbench.vsix" ] || fail "npm run package left no artifacts/iso-workbench.vsix"
install_vsix "$ART/iso-workbench.vsix" >"$D/install-vsix.log" 2>&1 || { cat "$D/install-vsix.log"; fail "installing artifacts/iso-workbench.vsix into code-server"; }
mkdir -p "$D/ws-open"
ln -s "$IMAGE" "$D/ws-open/$NAME"
write_settings open
CS_PORT=$PORT start_cs open || fail "code-server did not start on 127.0.0.1:$PORT (is the port in use? PORT=… picks another)" logs

say "mounting $NAME in the Explorer (Chromium, headless)"
node scripts/vscode-host/ui-e2e.js --url "$CS_URL" --folder "$D/ws-open" --out "$ART" --result "$ART/open-image.json" \
  --only 'open an image' --image "$NAME" ||
  fail "the 'open an image' scenario (the failed step and its screenshot are named above; result: artifacts/open-image.json)" logs
# shellcheck disable=SC2016
read -r URL TREE < <(node -e 'const t=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")).tests[0].data;
  console.log(t.workspaceUrl, `${t.root}: ${t.children.join(", ")}`)' "$ART/open-image.json") || fail "artifacts/open-image.json has no workspace URL"

say "$NAME is mounted; screenshot of its expanded tree (${TREE}): artifacts/open-image.png"
say "the workspace with the image mounted: $URL"
if [ $WAIT = 1 ]; then
  say "VS Code (code-server) runs until Ctrl-C"
  wait "$CS_PID"
  say "code-server stopped by itself (exit $?)"
  fail "code-server exited" logs
else
  say "--no-wait: stopping VS Code (the URL works while open.sh runs without --no-wait)"
fi
