#!/usr/bin/env bash
# Runs the Synapse contract suite against real Synapse 1.160 (Debian's matrix-synapse in a
# Debian sid chroot). Builds the chroot when it is missing (about a minute), reuses it when a
# warm machine still has it. Needs root. Fails loudly: a missing chroot or a Synapse that does
# not start is a failure, never a skip.
#
#   .ci/synapse-real.sh            (SSOCHAIN_SYNAPSE_CHROOT overrides the chroot folder)
set -euo pipefail
cd "$(dirname "$0")/.."
export NO_COLOR=1
CHROOT="${SSOCHAIN_SYNAPSE_CHROOT:-/var/tmp/ssochain-synapse-sid}"
export SSOCHAIN_SYNAPSE_CHROOT="$CHROOT"
start=$(date +%s)
step() { echo "== $* ($(($(date +%s) - start))s)"; }

if [[ $EUID -ne 0 ]]; then
  echo "synapse-real: must run as root (debootstrap, chroot, mounts)" >&2
  exit 1
fi

step "Synapse chroot at $CHROOT"
version="$(bash scripts/synapse-real/setup.sh "$CHROOT")"
echo "real Synapse: $version"

step "node modules"
if [[ ! -d node_modules ]]; then npm ci --no-audit --no-fund; fi

cleanup() {
  # stop whatever a failed run left behind, then unmount (both idempotent)
  for pidfile in "$CHROOT"/var/lib/ssochain-synapse/*/synapse.pid; do
    [[ -f "$pidfile" ]] || continue
    name="$(basename "$(dirname "$pidfile")")"
    bash scripts/synapse-real/stop.sh --root "$CHROOT" --name "$name" || true
  done
  bash -c "source scripts/synapse-real/lib.sh && umount_chroot '$CHROOT'" || true
}
trap cleanup EXIT

step "contract suite against real Synapse $version"
npx vitest run --config test/synapse-real/vitest.config.ts

step "done"
