#!/usr/bin/env bash
# Stops one Synapse instance started by start.sh, and unmounts /proc and /dev from the chroot
# when no instance is left. Idempotent.
#
#   scripts/synapse-real/stop.sh --root DIR --name NAME [--keep-state]
set -euo pipefail

ROOT="" NAME="" KEEP=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --root) ROOT="$2"; shift 2 ;;
    --name) NAME="$2"; shift 2 ;;
    --keep-state) KEEP=1; shift ;;
    *) echo "stop.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
[[ -n "$ROOT" && -n "$NAME" ]] || { echo "usage: stop.sh --root DIR --name NAME" >&2; exit 2; }
[[ "$NAME" =~ ^[a-zA-Z0-9_-]+$ ]] || { echo "stop.sh: --name must be a plain word" >&2; exit 2; }

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=./lib.sh
source "$HERE/lib.sh"

STATE="$ROOT/var/lib/ssochain-synapse/$NAME"
if [[ -f "$STATE/synapse.pid" ]]; then
  pid="$(cat "$STATE/synapse.pid")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  fi
  rm -f "$STATE/synapse.pid"
fi
if [[ $KEEP -eq 0 && -d "$STATE" ]]; then
  # keep the logs of the last run next to the state folder for post-mortems
  cp "$STATE/homeserver.log" "$STATE.last-homeserver.log" 2>/dev/null || true
  cp "$STATE/stderr.log" "$STATE.last-stderr.log" 2>/dev/null || true
  rm -rf --one-file-system "$STATE"
fi
if [[ -z "$(running_instances "$ROOT")" ]]; then
  umount_chroot "$ROOT"
fi
