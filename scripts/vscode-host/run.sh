#!/bin/bash
# The tests that need a real VS Code: the extension-host integration suite (test/integration, run
# inside the extension host by mocha) and the UI end-to-end scenarios (Chromium driving the
# workbench, with screenshots). Desktop VS Code cannot be downloaded here, so the host is
# code-server 4.139.1 (VS Code 1.139.1) on Node 24, installed by install.sh.
#
# Usage: bash scripts/vscode-host/run.sh [integration|ui|main-job|all]      (default: all)
#
# Self-contained: installs the host if needed, builds, compiles the tests, packages the extension
# from package.json (artifacts/iso-workbench.vsix), installs that .vsix into a fresh extensions
# folder — the tests exercise the installed package, never the repository — and opens a temporary
# workspace holding a copy of Debian's GRUB rescue image and a README.txt.
#   integration: code-server WITH --vscode-option=enable-smoke-test-driver (the workbench only
#                honours the test payload with it); ext-host-mocha.js runs the suite.
#   ui:          a second code-server WITHOUT it (the driver suppresses notification toasts);
#                ui-e2e.js runs the scenarios, screenshots in artifacts/ui/.
#   main-job:    main-job.sh: the README's main job (open.sh) in a fresh `git clone` of HEAD —
#                uncommitted changes are not tested — counted as one test.
# Ends with "N passed, N failed" on a line of its own (integration tests + UI scenarios + main job; a host
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
case $MODE in integration | ui | main-job | all | bench) ;; *) echo "usage: $0 [integration|ui|main-job|all|bench]" >&2; exit 2 ;; esac
ART=$REPO/artifacts
TIMEOUT=${ISOWB_HOST_TIMEOUT:-900}
IMAGE=test/fixtures/cache/real/grub-rescue-cdrom.iso

passed=0 failed=0 times=()
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

# --- servers (lib.sh: start_cs, stop_cs, install_vsix, keep_logs, write_settings); the trap stops
# whatever is still running.
source scripts/vscode-host/lib.sh
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
# counts FILE: "passes failures" from a {passes, failures} result file, nothing if unreadable
counts() {
  node -e 'try{const r=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));if(Number.isInteger(r.passes)&&Number.isInteger(r.failures))console.log(r.passes,r.failures)}catch{}' "$1"
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

mkdir -p "$ART"
rm -rf "$ART/vscode-host"
[ "$MODE" = main-job ] || rm -f "$ART/iso-workbench.vsix"
case $MODE in all | integration) rm -f "$ART/integration.json" ;; esac
case $MODE in all | ui) rm -rf "$ART/ui" ;; esac

# --- install / build / package ----------------------------------------------------------------
t=$SECONDS
if ! bash scripts/vscode-host/install.sh; then infra_fail "install.sh"; finish; fi
phase_time install "$t"
if [ ! -f "$IMAGE" ]; then
  bash test/fixtures/fetch-grub-rescue.sh test/fixtures/cache/real >/dev/null || { infra_fail "fetching the GRUB rescue image"; finish; }
fi
# main-job alone needs neither: it builds and packages in its own clone
if [ "$MODE" != main-job ]; then
  t=$SECONDS
  if [ "${ISOWB_HOST_NO_BUILD:-}" != 1 ]; then
    npm run --silent build || { infra_fail "npm run build"; finish; }
    npx tsc -p tsconfig.test.json || { infra_fail "compiling the tests (tsc -p tsconfig.test.json)"; finish; }
  fi
  [ -f dist/extension.js ] || { infra_fail "dist/extension.js was not built"; finish; }
  [ -f out/test/integration/index.js ] || { infra_fail "out/test/integration/index.js was not compiled"; finish; }
  phase_time build "$t"

  t=$SECONDS
  # `npm run package` without its build (the build above is fresh)
  if ! node scripts/package.js </dev/null; then infra_fail "packaging (scripts/package.js)"; finish; fi
  VERSION=$(node -p 'require("./package.json").version')
  EXT_DIR=$D/ext/iso-workbench.iso-workbench-$VERSION
  if ! install_vsix "$ART/iso-workbench.vsix"; then infra_fail "code-server --install-extension"; finish; fi
  if [ ! -f "$EXT_DIR/package.json" ]; then infra_fail "the .vsix did not install to $EXT_DIR (have: $(ls "$D/ext"))"; finish; fi
  phase_time package "$t"
fi

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

# --- main job: the README's first command in a fresh clone of HEAD (main-job.sh) -------------------
if [ "$MODE" = all ] || [ "$MODE" = main-job ]; then
  t=$SECONDS
  if drive bash scripts/vscode-host/main-job.sh; then passed=$((passed + 1)); else infra_fail "main job (main-job.sh; the clone's artifacts/ is in artifacts/main-job/)"; fi
  phase_time main-job "$t"
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
