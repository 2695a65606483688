#!/bin/bash
# Test: the README's main job on a fresh clone. `git clone` of this repository at HEAD — committed
# work only: uncommitted changes are NOT tested — so no artifacts/, out/, dist/, .vscode-host/ and
# no fixture cache; then what scripts/setup.sh would have left there, reused to stay fast:
# node_modules (a symlink to this repository's), the VS Code host (VSCODE_HOST_DIR = this
# repository's) and Debian's GRUB rescue image (a copy at the path the README names); then the
# README's command, as written, plus --no-wait:
#   bash scripts/vscode-host/open.sh test/fixtures/cache/real/grub-rescue-cdrom.iso --no-wait
# Checks: it exits 0; the clone has artifacts/iso-workbench.vsix (a zip) and artifacts/open-image.png
# (a 1280×800 PNG); artifacts/open-image.json says the scenario passed with the image's root
# expanded and its entries listed (boot, boot.catalog: the image's root, as xorriso lists it); the
# URL open.sh printed is the one the scenario opened in a fresh browser, where the Explorer showed
# the image's root with the same entries.
# Usage: bash scripts/vscode-host/main-job.sh    (run.sh all|main-job runs it; ~1 min)
# The clone's artifacts/ is copied to artifacts/main-job/. Ends with "main job: passed" or
# "main job: FAILED (N of M checks)"; exit 0 when every check passed.
set -uo pipefail
cd "$(dirname "$0")/../.."
REPO=$PWD
IMAGE=test/fixtures/cache/real/grub-rescue-cdrom.iso
D=$(mktemp -d "${TMPDIR:-/tmp}/isowb-mainjob.XXXXXX")
C=$D/clone
opid=
trap 'rm -rf "$D"' EXIT
trap 'say "interrupted"; [ -n "$opid" ] && kill -TERM "$opid" 2>/dev/null && wait "$opid"; exit 130' INT TERM
say() { echo "main job: $*"; }
source scripts/vscode-host/lib.sh # P: the VS Code host; free_port
HOST=$(realpath -m "$P")
checks=0 bad=0
check() { # check WHAT CMD...: runs CMD, prints ✓/✗ WHAT
  checks=$((checks + 1))
  if "${@:2}"; then echo "  ✓ $1"; else echo "  ✗ $1"; bad=$((bad + 1)); fi
}
finish() {
  rm -rf "$REPO/artifacts/main-job"
  if [ -d "$C/artifacts" ]; then mkdir -p "$REPO/artifacts" && cp -r "$C/artifacts" "$REPO/artifacts/main-job"; fi
  if [ "$bad" -eq 0 ] && [ "$checks" -gt 0 ]; then say "passed ($checks checks)"; exit 0; fi
  say "FAILED ($bad of $checks checks; the clone's artifacts/ is in artifacts/main-job/)"
  exit 1
}

# --- a fresh clone of HEAD ---------------------------------------------------------------------
head=$(git rev-parse HEAD 2>/dev/null) || { say "not a git repository: cannot clone it"; bad=1; finish; }
[ -n "$(git status --porcelain --untracked-files=no)" ] && say "note: uncommitted changes in $REPO are not part of this test (it clones HEAD)"
git clone -q "$REPO" "$C" && git -C "$C" checkout -q --detach "$head" || { say "git clone of $REPO failed"; bad=1; finish; }
check "the clone is at HEAD ($(git rev-parse --short HEAD)) with no artifacts/, out/, dist/, .vscode-host/, fixture cache" \
  test "$(git -C "$C" rev-parse HEAD)" = "$head" -a ! -e "$C/artifacts" -a ! -e "$C/out" -a ! -e "$C/dist" -a ! -e "$C/.vscode-host" -a ! -e "$C/test/fixtures/cache"
# what scripts/setup.sh leaves: npm ci's node_modules, the GRUB rescue image (and the VS Code host)
ln -s "$REPO/node_modules" "$C/node_modules"
[ -f "$IMAGE" ] || bash test/fixtures/fetch-grub-rescue.sh test/fixtures/cache/real >/dev/null
mkdir -p "$C/$(dirname "$IMAGE")" && cp "$IMAGE" "$C/$IMAGE"

# --- the README's main job --------------------------------------------------------------------
port=$(free_port)
say "in $C: PORT=$port bash scripts/vscode-host/open.sh $IMAGE --no-wait"
t=$SECONDS
# In the background and waited for, so a TERM/Ctrl-C here is passed on (timeout passes it to
# open.sh, whose trap stops its code-server); its output is shown when it ends.
cd "$C" || exit 1
PORT=$port VSCODE_HOST_DIR=$HOST timeout -k 15 600 bash scripts/vscode-host/open.sh "$IMAGE" --no-wait >"$D/open.log" 2>&1 &
opid=$!
wait "$opid"
rc=$?
opid=
cd "$REPO" || exit 1
sed 's/^/  | /' "$D/open.log"
say "open.sh took $((SECONDS - t))s"
check "open.sh exits 0 (exit $rc)" test "$rc" -eq 0
# magic bytes: a .vsix is a zip; the screenshot a 1280×800 PNG (IHDR width and height)
check "artifacts/iso-workbench.vsix is a zip" node -e 'let b;try{b=require("fs").readFileSync(process.argv[1])}catch{process.exit(1)}
  process.exit(b.subarray(0,4).toString("latin1")==="PK\x03\x04"?0:1)' "$C/artifacts/iso-workbench.vsix"
check "artifacts/open-image.png is a 1280×800 PNG" node -e 'let b;try{b=require("fs").readFileSync(process.argv[1])}catch{process.exit(1)}
  process.exit(b.length>24&&b.subarray(1,4).toString()==="PNG"&&b.readUInt32BE(16)===1280&&b.readUInt32BE(20)===800?0:1)' "$C/artifacts/open-image.png"
url=$(sed -n 's/^open\.sh: the workspace with the image mounted: //p' "$D/open.log" | tail -1)
check "open.sh printed a workspace URL ($url)" test -n "$url"
# the scenario's result (artifacts/open-image.json): passed; the tree it waited for before the
# screenshot; the URL it opened in a fresh browser and what that browser's Explorer showed
before=$checks
while IFS=$'\t' read -r ok what; do check "$what" test "$ok" = ok; done < <(node -e '
  let r = {};
  try { r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).tests.find((t) => t.title === "open an image") || {}; } catch {}
  const d = r.data || {}, url = process.argv[2];
  const has = (a) => Array.isArray(a) && a.includes("boot") && a.includes("boot.catalog");
  const say = (ok, what) => console.log(`${ok ? "ok" : "bad"}\t${what}`);
  say(r.state === "passed", "artifacts/open-image.json: the scenario passed");
  say(/^grub-rescue-cdrom\.iso — /.test(d.root) && has(d.children) && (r.steps || []).some((s) => /tree is expanded/.test(s.name) && !s.failed),
    `before the screenshot the image root was expanded, its entries listed, nothing loading (${d.root}: ${d.children})`);
  say(!!url && url === d.workspaceUrl && /[?&]workspace=/.test(url), "the printed URL is a workspace (?workspace=…), the one opened in a fresh browser");
  say(d.workspaceUrlRoot === d.root && has(d.workspaceUrlChildren), `in the fresh browser the URL showed the image root with its entries (${d.workspaceUrlRoot}: ${d.workspaceUrlChildren})`);
' "$C/artifacts/open-image.json" "$url")
[ $((checks - before)) -eq 4 ] || check "the checks of artifacts/open-image.json ran (4, not $((checks - before)))" false
finish
