# Shared helpers for the real-Synapse scripts (sourced, not run).

die() {
  printf '[synapse-real] %s\n' "$*" >&2
  exit 1
}

is_mounted() { mountpoint -q "$1" 2>/dev/null; }

# Mounts /proc and /dev into the chroot unless they already are (idempotent).
mount_chroot() {
  local root="$1"
  mkdir -p "$root/proc" "$root/dev"
  is_mounted "$root/proc" || mount -t proc proc "$root/proc"
  is_mounted "$root/dev" || mount --bind /dev "$root/dev"
}

# Unmounts what mount_chroot mounted (idempotent). Lazy unmount as a last resort so a busy
# mount point never blocks the caller.
umount_chroot() {
  local root="$1" m
  for m in "$root/dev" "$root/proc"; do
    if is_mounted "$m"; then
      umount "$m" 2>/dev/null || umount -l "$m"
    fi
  done
}

# Pids of Synapse instances (by pid file) still alive in this chroot.
running_instances() {
  local root="$1" f pid
  for f in "$root"/var/lib/ssochain-synapse/*/synapse.pid; do
    [[ -f "$f" ]] || continue
    pid="$(cat "$f")"
    if kill -0 "$pid" 2>/dev/null; then echo "$pid"; fi
  done
}
