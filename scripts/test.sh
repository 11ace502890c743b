#!/usr/bin/env bash
# `npm test`: the same setup as `npm start` (deps, stack, migrations), then lint, types and the suite.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/ensure-deps.sh"

step "chromium for the browser tests" install_chromium
step "lint" npx --no-install eslint .
step "typecheck" npm run --silent typecheck
step "unit tests" npx --no-install jest --selectProjects unit
# --forceExit: the result is known once the last file ends; a client that a failed test left open
# must not keep the run (and CI) waiting for it.
step "integration tests" npx --no-install jest --selectProjects integration --runInBand --forceExit
