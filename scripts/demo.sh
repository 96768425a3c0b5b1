#!/usr/bin/env bash
# npm run demo: installs what it needs (npm packages incl. Node 24, Debian's python3 when missing), then
# runs the chain on examples/sklearn-classifier against the embedded local services (scripts/demo.ts).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-system.sh >&2
exec node_modules/.bin/node scripts/demo.ts "$@"
