#!/usr/bin/env bash
# `npm test`: the same setup as `npm start` (deps, stack, migrations), then lint, types and the suite.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/ensure-deps.sh"

step "chromium for the browser tests" install_chromium
step "lint" npx --no-install eslint .
step "typecheck" npm run --silent typecheck
step "unit tests" npx --no-install jest --selectProjects unit
step "integration tests" npx --no-install jest --selectProjects integration --runInBand
