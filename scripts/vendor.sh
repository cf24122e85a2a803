#!/usr/bin/env bash
# Install the front-end libraries pinned in package.json / package-lock.json from the npm
# registry and copy the files the pages load into src/quanzi/web/static/vendor/
# (git-ignored: third-party code is installed by the build, never committed).
set -euo pipefail
cd "$(dirname "$0")/.."

vendor=src/quanzi/web/static/vendor

if ! command -v npm >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "npm is needed to install the pages' front-end libraries" >&2
    exit 1
  fi
  echo "npm is missing; installing it with apt-get" >&2
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends npm >/dev/null
fi

npm ci --no-audit --no-fund --loglevel=error
mkdir -p "$vendor"
cp node_modules/htmx.org/dist/htmx.min.js "$vendor/htmx.min.js"
cp node_modules/chart.js/dist/chart.umd.min.js "$vendor/chart.umd.min.js"
