#!/usr/bin/env bash
# Installs what the server's end-to-end tests and benchmark need beyond scripts/install-deps.sh:
# Debian's chromium and chromium-driver (the real-browser test) and wrk (the HTTP benchmark); Selenium
# and openapi-spec-validator from PyPI (drive the browser, check the /api document). As root it
# installs them; otherwise it prints the commands.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/apt-missing.sh"
apt_install_missing "the server tests" chromium chromium-driver wrk
python3 -c 'import selenium' 2>/dev/null || python3 -m pip install -q 'selenium>=4.15,<5' >&2
python3 -c 'import openapi_spec_validator' 2>/dev/null || python3 -m pip install -q 'openapi-spec-validator>=0.7' >&2
