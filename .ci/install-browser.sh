#!/usr/bin/env bash
# Installs Debian's headless-capable Chromium and its matching chromedriver for the ops console's
# browser test (feedback-collector ConsoleBrowserIntegrationTest). Idempotent: does nothing when both
# /usr/bin/chromium and /usr/bin/chromedriver exist. Non-interactive and quiet; runs as root or
# through sudo. No tool that downloads its own browser is used: the test points Selenium at these paths.
set -euo pipefail

if [[ -x /usr/bin/chromium && -x /usr/bin/chromedriver ]]; then
  echo "install-browser: chromium and chromedriver already present"
  exit 0
fi

SUDO=""
if [[ "$(id -u)" -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO="sudo -n"
  else
    echo "install-browser: not root and no sudo; install 'chromium' and 'chromium-driver' by hand" >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null

/usr/bin/chromium --version
/usr/bin/chromedriver --version
