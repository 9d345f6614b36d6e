#!/usr/bin/env bash
# Load bench: gunicorn (2 workers, DEBUG off) on loopback with PostgreSQL and Redis, driven by wrk for a
# bounded time per endpoint. Prints requests/s and p50/p99 latency for each endpoint next to /api/v1/ping/
# (the framework's ceiling on this machine: the same token check and throttle, no view work), then the
# dashboard's share of ping's requests/s against the target (>= 80 %, p99 < 100 ms). The "% ping" column is
# each endpoint's share of ping's requests/s (target for every API list: >= 50 %). Targets only 127.0.0.1.
#
#   bash bench/load.sh            # DURATION=15 CONNECTIONS=16 PORT=8765 by default
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-15}
CONNECTIONS=${CONNECTIONS:-16}
PORT=${PORT:-8765}
PY=${PY:-.venv/bin/python}
command -v wrk >/dev/null || { echo "wrk not found: apt-get install wrk" >&2; exit 1; }

export DJANGO_SETTINGS_MODULE=kai_portal.settings.production
export DATABASE_URL=${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/kai_bench}
export REDIS_URL=${BENCH_REDIS_URL:-redis://127.0.0.1:6379/12}
export SECRET_KEY=bench-only-$(head -c 48 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 60)
export ALLOWED_HOSTS=127.0.0.1
export SECURE_SSL_REDIRECT=false
export API_THROTTLE_RATE=100000000/minute

DB_NAME=${DATABASE_URL##*/}
psql -h 127.0.0.1 -U postgres -qtc "SELECT 1 FROM pg_database WHERE datname='$DB_NAME'" postgres | grep -q 1 \
  || psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE \"$DB_NAME\"" postgres
$PY manage.py migrate --noinput -v0
$PY manage.py load_kai_program >/dev/null
# No worker runs in this bench: compute the standings once, as the worker would.
$PY manage.py shell -c "
from evaluations.models import Phase
from evaluations.services import standings_recompute
for phase in Phase.objects.all():
    standings_recompute(phase_id=phase.pk, trigger='bench set-up')
" >/dev/null
$PY manage.py collectstatic --noinput -v0 >/dev/null
TOKEN=$($PY manage.py shell -c "
from django.contrib.auth import get_user_model
from common.roles import Role
from common.services import api_token_create, user_set_roles
from consortia.models import Organization
from consortia.services import affiliation_set
u, _ = get_user_model().objects.get_or_create(username='bench_auditor')
user_set_roles(user=u, roles=[Role.AUDITOR])
affiliation_set(user=u, organization=Organization.objects.get(name_en='Board of Audit and Inspection'))
print(api_token_create(user=u, name='bench')[1])
" | tail -1)

"$(dirname "$PY")/gunicorn" kai_portal.wsgi:application --bind 127.0.0.1:$PORT --workers 2 --log-level warning &
GUNICORN=$!
trap 'kill $GUNICORN 2>/dev/null; wait $GUNICORN 2>/dev/null' EXIT
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$PORT/api/v1/ping/" >/dev/null && break; sleep 0.2; done

ENDPOINTS=(${ENDPOINTS:-/api/v1/ping/ /api/v1/dashboard/summary/ /api/v1/standings/ /api/v1/consortia/})
printf "\n%-32s %12s %8s %10s %10s %8s\n" "endpoint" "requests/s" "% ping" "p50 ms" "p99 ms" "errors"
for path in "${ENDPOINTS[@]}"; do
  status=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Token $TOKEN" "http://127.0.0.1:$PORT$path")
  if [ "$status" != "200" ]; then printf "%-32s %12s\n" "$path" "HTTP $status (skipped)"; continue; fi
  curl -s -H "Authorization: Token $TOKEN" "http://127.0.0.1:$PORT$path" >/dev/null  # warm the cache
  out=$(wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -H "Authorization: Token $TOKEN" "http://127.0.0.1:$PORT$path")
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  errors=$(awk '/Non-2xx|Socket errors/ {s=s $0 "; "} END {print (s==""?"0":s)}' <<<"$out")
  to_ms() { awk -v v="$1" 'BEGIN { if (v ~ /us$/) { sub(/us$/,"",v); printf "%.2f", v/1000 } else if (v ~ /ms$/) { sub(/ms$/,"",v); printf "%.2f", v } else { sub(/s$/,"",v); printf "%.2f", v*1000 } }'; }
  [ "$path" = /api/v1/ping/ ] && PING_RPS=$rps
  share=$(awk -v r="$rps" -v p="${PING_RPS:-}" 'BEGIN { if (p > 0) printf "%.1f", 100 * r / p; else print "-" }')
  printf "%-32s %12s %8s %10s %10s %8s\n" "$path" "$rps" "$share" "$(to_ms "$p50")" "$(to_ms "$p99")" "$errors"
  case "$path" in
    /api/v1/dashboard/summary/) DASH_RPS=$rps; DASH_P99=$(to_ms "$p99") ;;
  esac
done
if [ -n "${PING_RPS:-}" ] && [ -n "${DASH_RPS:-}" ]; then
  awk -v d="$DASH_RPS" -v p="$PING_RPS" -v l="$DASH_P99" 'BEGIN {
    share = 100 * d / p; met = (share >= 80 && l < 100) ? "met" : "NOT met"
    printf "dashboard = %.1f %% of ping requests/s, p99 %.2f ms (target >= 80 %%, p99 < 100 ms: %s)\n", share, l, met }'
fi
echo "(gunicorn 2 workers, wrk -t2 -c$CONNECTIONS -d${DURATION}s, $(nproc) cores, loopback)"
