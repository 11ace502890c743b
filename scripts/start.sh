#!/usr/bin/env bash
# `npm start`: install what is missing, bring the local stack up, migrate, then run the three tiers.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/ensure-deps.sh"
exec npx --no-install tsx scripts/run-all.ts
