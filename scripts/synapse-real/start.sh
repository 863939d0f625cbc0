#!/usr/bin/env bash
# Starts real Synapse (from the chroot built by setup.sh) on loopback, with SQLite and the
# matrix_authentication_service section pointing at a MAS on loopback.
#
#   scripts/synapse-real/start.sh --root DIR --name NAME --port PORT --mas-url URL --secret S \
#       [--extra-config FILE] [--timeout SECONDS]
#
# Every start gets a fresh state folder DIR/var/lib/ssochain-synapse/NAME (config, signing key,
# SQLite database, homeserver.log). /proc and /dev are mounted into the chroot while any
# instance runs; stop.sh unmounts them when the last instance stops. Prints the base URL.
# --extra-config merges a YAML mapping over the generated config (top-level keys replace).
set -euo pipefail

ROOT="" NAME="" PORT="" MAS_URL="" SECRET="" EXTRA="" TIMEOUT=60
while [[ $# -gt 0 ]]; do
  case "$1" in
    --root) ROOT="$2"; shift 2 ;;
    --name) NAME="$2"; shift 2 ;;
    --port) PORT="$2"; shift 2 ;;
    --mas-url) MAS_URL="$2"; shift 2 ;;
    --secret) SECRET="$2"; shift 2 ;;
    --extra-config) EXTRA="$2"; shift 2 ;;
    --timeout) TIMEOUT="$2"; shift 2 ;;
    *) echo "start.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
for v in ROOT NAME PORT MAS_URL SECRET; do
  [[ -n "${!v}" ]] || { echo "start.sh: --${v,,} is required" >&2; exit 2; }
done
[[ "$NAME" =~ ^[a-zA-Z0-9_-]+$ ]] || { echo "start.sh: --name must be a plain word" >&2; exit 2; }
case "$MAS_URL" in
  http://127.0.0.1:* | http://localhost:* | http://\[::1\]:*) ;;
  *) echo "start.sh: --mas-url must be a loopback URL" >&2; exit 2 ;;
esac

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=./lib.sh
source "$HERE/lib.sh"

[[ -x "$ROOT/usr/bin/python3" ]] || die "no chroot at $ROOT (run scripts/synapse-real/setup.sh $ROOT)"

STATE_IN="/var/lib/ssochain-synapse/$NAME"
STATE="$ROOT$STATE_IN"
if [[ -f "$STATE/synapse.pid" ]] && kill -0 "$(cat "$STATE/synapse.pid")" 2>/dev/null; then
  die "an instance named $NAME is already running (pid $(cat "$STATE/synapse.pid"))"
fi
rm -rf --one-file-system "$STATE"
mkdir -p "$STATE"

mount_chroot "$ROOT"

chroot "$ROOT" /usr/bin/python3 -m synapse.app.homeserver \
  --server-name sandbox.local \
  --config-path "$STATE_IN/homeserver.yaml" \
  --data-directory "$STATE_IN" \
  --generate-config --report-stats=no >"$STATE/generate.log" 2>&1 ||
  { cat "$STATE/generate.log" >&2; die "--generate-config failed"; }

if [[ -n "$EXTRA" ]]; then cp "$EXTRA" "$STATE/extra.yaml"; fi

# Patch the generated file: loopback listener on PORT, SQLite in the state folder, MAS on, and
# nothing that would make Synapse talk to anything but loopback.
PORT="$PORT" MAS_URL="$MAS_URL" SECRET="$SECRET" STATE_IN="$STATE_IN" \
  chroot "$ROOT" /usr/bin/env PORT="$PORT" MAS_URL="$MAS_URL" SECRET="$SECRET" STATE_IN="$STATE_IN" \
  /usr/bin/python3 - <<'PY'
import os, yaml
state = os.environ["STATE_IN"]
path = f"{state}/homeserver.yaml"
with open(path) as f:
    cfg = yaml.safe_load(f)
port = int(os.environ["PORT"])
cfg["public_baseurl"] = f"http://127.0.0.1:{port}/"
cfg["listeners"] = [{
    "port": port, "bind_addresses": ["127.0.0.1"], "type": "http", "tls": False,
    "x_forwarded": False, "resources": [{"names": ["client"], "compress": False}],
}]
cfg["database"] = {"name": "sqlite3", "args": {"database": f"{state}/homeserver.db"}}
cfg["media_store_path"] = f"{state}/media_store"
cfg["report_stats"] = False
cfg["trusted_key_servers"] = []
cfg["suppress_key_server_warning"] = True
cfg["serve_client_wellknown"] = True
cfg["matrix_authentication_service"] = {
    "enabled": True, "endpoint": os.environ["MAS_URL"], "secret": os.environ["SECRET"],
}
# the generated log config buffers and writes outside the state folder: replace it
log_config = f"{state}/log.yaml"
with open(log_config, "w") as f:
    yaml.safe_dump({
        "version": 1,
        "formatters": {"precise": {"format": "%(asctime)s - %(name)s - %(lineno)d - "
                                              "%(levelname)s - %(request)s - %(message)s"}},
        "handlers": {"file": {"class": "logging.FileHandler", "formatter": "precise",
                              "filename": f"{state}/homeserver.log", "encoding": "utf8"}},
        "loggers": {"synapse.storage.SQL": {"level": "INFO"}},
        "root": {"level": "INFO", "handlers": ["file"]},
        "disable_existing_loggers": False,
    }, f)
cfg["log_config"] = log_config
extra = f"{state}/extra.yaml"
if os.path.exists(extra):
    with open(extra) as f:
        cfg.update(yaml.safe_load(f) or {})
with open(path, "w") as f:
    yaml.safe_dump(cfg, f, sort_keys=False)
PY

# Run in the background, detached from this shell; the pid file is the handle for stop.sh.
setsid chroot "$ROOT" /usr/bin/python3 -m synapse.app.homeserver \
  --config-path "$STATE_IN/homeserver.yaml" \
  >"$STATE/stdout.log" 2>"$STATE/stderr.log" </dev/null &
echo $! >"$STATE/synapse.pid"

URL="http://127.0.0.1:$PORT"
deadline=$((SECONDS + TIMEOUT))
until curl -fsS -o /dev/null "$URL/_matrix/client/versions" 2>/dev/null; do
  if ! kill -0 "$(cat "$STATE/synapse.pid")" 2>/dev/null; then
    echo "--- stderr" >&2; tail -n 40 "$STATE/stderr.log" >&2
    echo "--- homeserver.log" >&2; tail -n 40 "$STATE/homeserver.log" >&2 2>/dev/null || true
    die "Synapse exited before answering /_matrix/client/versions"
  fi
  if ((SECONDS > deadline)); then
    tail -n 40 "$STATE/homeserver.log" >&2 2>/dev/null || true
    "$HERE/stop.sh" --root "$ROOT" --name "$NAME" || true
    die "Synapse did not answer /_matrix/client/versions within ${TIMEOUT}s"
  fi
  sleep 0.2
done

# A brand-new SQLite database gets some of its indexes from background updates that run after
# startup. Until `profiles_full_user_id_key_idx` has run, /_synapse/mas/reactivate_user answers
# 500 (sqlite3 "ON CONFLICT clause does not match any PRIMARY KEY or UNIQUE constraint").
# Databases in production finished these long ago: wait for that one, so the suite sees a
# settled server.
pending_profiles_index() {
  chroot "$ROOT" /usr/bin/python3 -c "
import sqlite3
c = sqlite3.connect('$STATE_IN/homeserver.db', timeout=5)
print(c.execute(\"select count(*) from background_updates where update_name = 'profiles_full_user_id_key_idx'\").fetchone()[0])
" 2>/dev/null || echo 1
}
deadline=$((SECONDS + 120))
until [[ "$(pending_profiles_index)" == "0" ]]; do
  if ((SECONDS > deadline)); then
    "$HERE/stop.sh" --root "$ROOT" --name "$NAME" || true
    die "Synapse's background update profiles_full_user_id_key_idx did not run within 120s"
  fi
  sleep 0.5
done
echo "$URL"
