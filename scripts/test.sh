#!/bin/bash
# The project's test command (`npm test`): build, typecheck, lint, compile the tests, then run the
# unit and end-to-end suites with mocha. Prints "N passed, N failed" on a line of its own at the
# end and exits non-zero on any failure (a failed build/typecheck/lint step counts as a failure).
# The >4 GiB multi-extent fixture always runs: it is sparse (~256 KiB on disk, ~15 s to build).
set -uo pipefail
cd "$(dirname "$0")/.."
steps_failed=0
step() {
  local name=$1; shift
  echo "== $name: $*"
  if ! "$@"; then echo "== $name FAILED"; steps_failed=$((steps_failed + 1)); return 1; fi
}
step build npm run --silent build
step typecheck npm run --silent typecheck
step lint npm run --silent lint
if ! step compile-tests npx tsc -p tsconfig.test.json; then
  echo "0 passed, $((steps_failed)) failed"
  exit 1
fi
specs=()
compgen -G 'out/test/unit/**/*.test.js' >/dev/null || compgen -G 'out/test/unit/*.test.js' >/dev/null && specs+=('out/test/unit/**/*.test.js')
compgen -G 'out/test/engine/*.test.js' >/dev/null && specs+=('out/test/engine/**/*.test.js')
compgen -G 'out/test/e2e/*.test.js' >/dev/null && specs+=('out/test/e2e/**/*.test.js')
log=$(mktemp)
trap 'rm -f "$log"' EXIT
npx mocha --reporter ./test/reporter.js "${specs[@]}" 2>&1 | tee "$log"
mocha_rc=${PIPESTATUS[0]}
summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
passed=$(echo "$summary" | sed -E 's/^([0-9]+) passed.*/\1/')
failed=$(echo "$summary" | sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/')
skipped=$(echo "$summary" | sed -nE 's/.*, ([0-9]+) skipped.*/\1/p')
if [ -z "$summary" ]; then passed=0; failed=1; echo "== mocha produced no summary (exit $mocha_rc)"; fi
failed=$((failed + steps_failed))
echo
echo "${passed} passed, ${failed} failed${skipped:+, $skipped skipped}"
if [ "$failed" -ne 0 ] || [ "$mocha_rc" -ne 0 ] || [ "$passed" -eq 0 ]; then exit 1; fi
