#!/usr/bin/env bash
# Builds (once) a Debian sid chroot with Debian's matrix-synapse package in it, so the
# real-Synapse contract suite can run Synapse on loopback without a container engine.
#
#   scripts/synapse-real/setup.sh DIR
#
# Idempotent: when DIR already holds a python3 that can import synapse, only the version check
# runs. Needs root (debootstrap and chroot). Prints the installed Synapse version last.
set -euo pipefail

DIR="${1:?usage: setup.sh DIR}"
EXPECTED_SERIES="${SYNAPSE_EXPECTED_SERIES:-1.160.}"
APT_OPTS=(-o Acquire::Check-Valid-Until=false)

log() { printf '[synapse-real/setup] %s\n' "$*" >&2; }

if [[ $EUID -ne 0 ]]; then
  log "must run as root (debootstrap and chroot need it)"
  exit 1
fi

# matrix-synapse itself, plus authlib (a Recommends of the package, present in the official
# images): without it Synapse cannot even parse a config with `oidc_providers`, and the suite
# compares Synapse's "SSO cannot be enabled ..." refusal.
PACKAGES=(matrix-synapse python3-authlib)

have_synapse() {
  [[ -x "$DIR/usr/bin/python3" ]] &&
    chroot "$DIR" /usr/bin/python3 -c 'import synapse, authlib' >/dev/null 2>&1
}

started=$(date +%s)
if ! have_synapse; then
  if ! command -v debootstrap >/dev/null 2>&1; then
    log "installing debootstrap"
    apt-get install -y debootstrap >/dev/null 2>&1 || {
      apt-get update >/dev/null
      apt-get install -y debootstrap >/dev/null
    }
  fi
  if [[ ! -x "$DIR/usr/bin/apt-get" ]]; then
    # a half-finished debootstrap leaves a tree it cannot resume: start over
    if [[ -e "$DIR" ]]; then
      log "removing incomplete chroot $DIR"
      for m in "$DIR/dev" "$DIR/proc"; do
        if mountpoint -q "$m" 2>/dev/null; then umount "$m" 2>/dev/null || umount -l "$m"; fi
      done
      rm -rf --one-file-system "$DIR"
    fi
    mkdir -p "$(dirname "$DIR")"
    log "debootstrap --variant=minbase sid $DIR"
    t0=$(date +%s)
    debootstrap --variant=minbase sid "$DIR" >"$DIR.debootstrap.log" 2>&1 || {
      tail -n 30 "$DIR.debootstrap.log" >&2
      log "debootstrap failed (full log: $DIR.debootstrap.log)"
      exit 1
    }
    log "debootstrap took $(($(date +%s) - t0))s"
  fi
  # apt inside the chroot needs name resolution
  cp -L /etc/resolv.conf "$DIR/etc/resolv.conf" 2>/dev/null || true
  # keep services from starting inside the chroot during the install
  printf '#!/bin/sh\nexit 101\n' >"$DIR/usr/sbin/policy-rc.d"
  chmod 755 "$DIR/usr/sbin/policy-rc.d"
  t0=$(date +%s)
  log "apt-get install matrix-synapse (inside the chroot)"
  chroot "$DIR" /usr/bin/env DEBIAN_FRONTEND=noninteractive apt-get "${APT_OPTS[@]}" update >/dev/null
  # matrix-synapse asks for the server name through debconf; preseed it
  echo 'matrix-synapse matrix-synapse/server-name string sandbox.local' |
    chroot "$DIR" /usr/bin/debconf-set-selections 2>/dev/null || true
  echo 'matrix-synapse matrix-synapse/report-stats boolean false' |
    chroot "$DIR" /usr/bin/debconf-set-selections 2>/dev/null || true
  chroot "$DIR" /usr/bin/env DEBIAN_FRONTEND=noninteractive \
    apt-get "${APT_OPTS[@]}" install -y --no-install-recommends "${PACKAGES[@]}" >"$DIR.apt.log" 2>&1 || {
    tail -n 30 "$DIR.apt.log" >&2
    log "apt-get install matrix-synapse failed (full log: $DIR.apt.log)"
    exit 1
  }
  log "package install took $(($(date +%s) - t0))s"
fi

version=$(chroot "$DIR" /usr/bin/python3 -c 'import synapse; print(synapse.__version__)')
log "chroot ready in $(($(date +%s) - started))s: $DIR"
if [[ "$version" != "$EXPECTED_SERIES"* ]]; then
  log "Synapse $version is installed, but the contract suite follows ${EXPECTED_SERIES}x"
  log "(set SYNAPSE_EXPECTED_SERIES to accept another series)"
  exit 1
fi
echo "$version"
