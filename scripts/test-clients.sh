#!/usr/bin/env bash
# `npm run test:clients`: the Python client's pytest suite and the Go client's `go test`, each
# against real broker processes (run `npm run build` first; `npm test` does).
# CI sets QTASKS_PYTEST_REPORT (JUnit XML) and QTASKS_GOTEST_REPORT (`go test -json` lines) so
# that scripts/test-summary.mjs can count these tests with vitest's.
set -uo pipefail
cd "$(dirname "$0")/.."
bash clients/setup.sh || exit 1

status=0
pytest_args=(-q clients/python)
if [ -n "${QTASKS_PYTEST_REPORT:-}" ]; then pytest_args+=("--junitxml=$QTASKS_PYTEST_REPORT"); fi
echo "::: pytest clients/python"
clients/python/.venv/bin/python -m pytest "${pytest_args[@]}" || status=1

echo "::: go test ./... (clients/go)"
if [ -n "${QTASKS_GOTEST_REPORT:-}" ]; then
  # -json for the counts, and the plain lines of failing tests still shown.
  go -C clients/go test -count=1 -json ./... >"$QTASKS_GOTEST_REPORT"
  go_status=$?
  node scripts/go-test-log.mjs "$QTASKS_GOTEST_REPORT"
  [ "$go_status" -eq 0 ] || status=1
else
  go -C clients/go test -count=1 ./... || status=1
fi
exit "$status"
