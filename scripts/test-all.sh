#!/usr/bin/env bash
# The one test command (README, .ci/run): set-up, lint, typecheck, check-dist, docs, every test suite.
# Ends with one plain line "tests: N passed, N failed, N skipped" over all suites.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
bash scripts/ensure-system.sh
# npm scripts put node_modules/.bin first on PATH, so the tools below run under Node 24.
echo "::group::lint"; npm run -s lint; flake8 examples; echo "::endgroup::"
echo "::group::typecheck"; npm run -s typecheck; echo "::endgroup::"
echo "::group::check-dist and action docs"; npm run -s check-dist; npm run -s check-docs; echo "::endgroup::"

reports=.tmp/test-reports
rm -rf "$reports" && mkdir -p "$reports"
status=0
npm run -s test:unit -- --reporter=default --reporter=json --outputFile.json="$reports/unit.json" || status=1
npm run -s test:integration -- --reporter=default --reporter=json --outputFile.json="$reports/integration.json" || status=1
# The example projects' own pytest suites, with Debian's scikit-learn.
/usr/bin/python3 -m pytest examples/quickstart/tests examples/sklearn-classifier/tests examples/serving/tests -q -p no:cacheprovider \
  --junitxml="$reports/examples.xml" || status=1

node scripts/test-summary.mjs "$reports"
echo "test suite wall time: $(( $(date +%s) - start )) s"
exit $status
