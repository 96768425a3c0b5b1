#!/usr/bin/env bash
# The one test command (README, .ci/run): set-up, lint, typecheck, check-dist, unit and integration tests.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
bash scripts/ensure-system.sh
# npm scripts put node_modules/.bin first on PATH, so the tools below run under Node 24.
echo "::group::lint"; npm run -s lint; echo "::endgroup::"
echo "::group::typecheck"; npm run -s typecheck; echo "::endgroup::"
echo "::group::check-dist and action docs"; npm run -s check-dist; npm run -s check-docs; echo "::endgroup::"
npm run -s test:unit
npm run -s test:integration
echo "test suite wall time: $(( $(date +%s) - start )) s"
