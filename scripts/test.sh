#!/bin/bash
# The project's test command (`npm test`): build, typecheck, lint, compile the tests, then run the
# unit, engine, end-to-end and webview suites and the fuzz slice (test/fuzz: the harness's
# self-tests and the seeded quick campaign, ~3 min) with mocha. Prints "N passed, N failed" on a line of its own at the
# end and exits non-zero on any failure (a failed build/typecheck/lint step counts as a failure).
# The >4 GiB multi-extent fixture always runs: it is sparse (~256 KiB on disk, ~15 s to build).
# Then the suites that need a real VS Code (scripts/vscode-host/run.sh all: the extension-host
# integration tests, the UI end-to-end scenarios in code-server, and the README's main job run in a
# fresh clone of HEAD); their counts are added to the final line. ISOWB_SKIP_HOST=1 leaves them out (said so on the output).
# The QEMU boot tests (test/boot: images booted by scripts/boot-check.py, originals, repacks and
# builds; ~15 min under TCG) run as their own mocha invocation with a long per-test timeout and an
# overall limit (ISOWB_BOOT_TIMEOUT seconds, default 3600); their counts are added to the final
# line too. ISOWB_SKIP_BOOT=1 leaves them out (said so on the output).
set -uo pipefail
cd "$(dirname "$0")/.."
steps_failed=0
step() {
  local name=$1; shift
  echo "== $name: $*"
  if ! "$@"; then echo "== $name FAILED"; steps_failed=$((steps_failed + 1)); return 1; fi
}
build_ok=0
step build npm run --silent build && build_ok=1
step typecheck npm run --silent typecheck
step lint npm run --silent lint
if ! step compile-tests npx tsc -p tsconfig.test.json; then
  echo "0 passed, $((steps_failed)) failed"
  exit 1
fi
specs=()
# Module tests mirror the source tree (test/engine/<area>/<module>.test.ts tests
# src/engine/<area>/<module>.ts; test/extension, test/provider, test/cli, test/media likewise);
# then the end-to-end suites against the CLI, the sector editor's webview in Debian's Chromium
# against a scripted host (test/webview/harness.ts), and the fuzz harness's self-tests with the
# seeded quick slice of the campaign (~3 min; npm run fuzz -- --quick).
for d in engine extension provider cli shared media e2e webview fuzz; do
  if [ -d "out/test/$d" ] && [ -n "$(find "out/test/$d" -name '*.test.js' | head -1)" ]; then specs+=("out/test/$d/**/*.test.js"); fi
done
log=$(mktemp)
hostlog=$(mktemp)
trap 'rm -f "$log" "$hostlog"' EXIT
npx mocha --reporter ./test/reporter.js "${specs[@]}" 2>&1 | tee "$log"
mocha_rc=${PIPESTATUS[0]}
summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
passed=$(echo "$summary" | sed -E 's/^([0-9]+) passed.*/\1/')
failed=$(echo "$summary" | sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/')
skipped=$(echo "$summary" | sed -nE 's/.*, ([0-9]+) skipped.*/\1/p')
if [ -z "$summary" ]; then passed=0; failed=1; echo "== mocha produced no summary (exit $mocha_rc)"; fi
failed=$((failed + steps_failed))
# count NAME LOG RC: adds the last "N passed, N failed[, N skipped]" line of LOG to the totals; no
# such line, or a non-zero exit without a counted failure, counts as one failure.
count() {
  local name=$1 file=$2 rc=$3 line p f k
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$file" | tail -1)
  if [ -z "$line" ]; then
    echo "== $name produced no summary (exit $rc)"
    failed=$((failed + 1))
    return
  fi
  p=$(echo "$line" | sed -E 's/^([0-9]+) passed.*/\1/')
  f=$(echo "$line" | sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/')
  k=$(echo "$line" | sed -nE 's/.*, ([0-9]+) skipped.*/\1/p')
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
    echo "== $name exited $rc without a counted failure"
    f=1
  fi
  passed=$((passed + p))
  failed=$((failed + f))
  if [ -n "$k" ]; then skipped=$(( ${skipped:-0} + k )); fi
}
# The QEMU boot suite: own mocha run (slow: a mode takes ~20-30 s under TCG). Counted like the
# main run; no summary line (crash, overall timeout) counts as one failure.
if [ "${ISOWB_SKIP_BOOT:-}" = 1 ]; then
  echo "== boot suite SKIPPED (ISOWB_SKIP_BOOT=1)"
elif compgen -G 'out/test/boot/*.test.js' >/dev/null; then
  bootlog=$(mktemp)
  boot_start=$SECONDS
  echo "== boot: npx mocha out/test/boot/*.test.js (QEMU; evidence in test/boot/out/)"
  timeout -k 30 "${ISOWB_BOOT_TIMEOUT:-3600}" npx mocha --reporter ./test/reporter.js --timeout 900000 'out/test/boot/*.test.js' 2>&1 | tee "$bootlog"
  boot_rc=${PIPESTATUS[0]}
  echo "== boot suite took $((SECONDS - boot_start))s"
  count "boot suite" "$bootlog" "$boot_rc"
  rm -f "$bootlog"
fi
# The real-VS-Code suites. run.sh ends with its own "N passed, N failed" line; a missing line or a
# non-zero exit without a counted failure counts as one failure.
if [ "${ISOWB_SKIP_HOST:-}" = 1 ]; then
  echo "== vscode-host suites SKIPPED (ISOWB_SKIP_HOST=1)"
else
  echo "== vscode-host: bash scripts/vscode-host/run.sh all"
  # build and compile-tests just ran: run.sh skips them when the build succeeded
  ISOWB_HOST_NO_BUILD=$build_ok bash scripts/vscode-host/run.sh all 2>&1 | tee "$hostlog"
  host_rc=${PIPESTATUS[0]}
  count vscode-host "$hostlog" "$host_rc"
fi
echo
echo "${passed} passed, ${failed} failed${skipped:+, $skipped skipped}"
if [ "$failed" -ne 0 ] || [ "$mocha_rc" -ne 0 ] || [ "$passed" -eq 0 ]; then exit 1; fi
