#!/usr/bin/env bash
# Every benchmark, each against its reference in the same run. Run on an otherwise idle machine:
#   npm run bench            (the fingerprint one generates 1 GiB in $TMPDIR; `--quick` uses 256 MiB)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-system.sh >&2
node=node_modules/.bin/node
size=1G
[ "${1:-}" = "--quick" ] && size=256M
echo "## cold start of each bundle"; "$node" bench/cold-start.mjs --runs 21
echo; echo "## train-model: wrapper overhead, training cache"; "$node" bench/train-model.ts --runs 11
echo; echo "## fingerprint throughput ($size)"; "$node" bench/fingerprint.mjs --size "$size" --runs 3
echo; echo "## evaluate-gate rendering"; "$node" bench/gate-render.mjs
echo; echo "## evaluate-gate posting and updating a PR comment"; "$node" bench/gate-comment.mjs --runs 11
echo; echo "## setup-env warm vs cold"; "$node" bench/setup-env.mjs --runs 3
echo; echo "## publish: OCI push of a $size model vs skopeo copy"; "$node" bench/publish.mjs --size "$size" --runs 3
echo; echo "## deploy: overhead over the receiver's own time, failed requests during the switch"; "$node" bench/deploy.mjs --runs 7
