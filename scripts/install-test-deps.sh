#!/usr/bin/env bash
# Installs what the server's end-to-end tests and benchmark need beyond scripts/install-deps.sh:
# Debian's chromium and chromium-driver (the real-browser test) and wrk (the HTTP benchmark); Selenium
# and openapi-spec-validator from PyPI (drive the browser, check the /api document). As root it
# installs them; otherwise it prints the commands.
set -euo pipefail
packages=(chromium chromium-driver wrk)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    echo "installing: ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq "${missing[@]}" >&2
  else
    echo "the server tests need: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi
python3 -c 'import selenium' 2>/dev/null || python3 -m pip install -q 'selenium>=4.15,<5' >&2
python3 -c 'import openapi_spec_validator' 2>/dev/null || python3 -m pip install -q 'openapi-spec-validator>=0.7' >&2
