#!/usr/bin/env bash
# Docker smoke test (run by .ci/run when a Docker daemon answers): builds the image, starts the compose
# stack with throwaway secrets and passes when web answers /api/health with 200, the worker keeps running
# and the PATT containers run as an unprivileged user. Without Docker, tests/host/test_deploy_files.py
# checks the same files statically (it always runs).
set -euo pipefail
cd "$(dirname "$0")/.."

project="patt-smoke-$$"
env_file="deploy/compose.env"
if [ -e "$env_file" ]; then
    echo "smoke test: $env_file exists (a real deployment's secrets?); refusing to overwrite it" >&2
    exit 1
fi
secret() { python3 -c "import secrets; print(secrets.token_urlsafe(48))"; }
{
    echo "POSTGRES_PASSWORD=$(secret)"
    echo "JWT_SECRET_KEY=$(secret)"
    echo "BASE_URL=http://127.0.0.1:8100"
} >"$env_file"
compose=(docker compose -p "$project" -f deploy/compose.yaml --env-file "$env_file")
cleanup() {
    "${compose[@]}" down -v --remove-orphans >/dev/null 2>&1 || true
    rm -f "$env_file"
}
trap cleanup EXIT

"${compose[@]}" build
"${compose[@]}" up -d web worker postgres redis

for _ in $(seq 1 90); do
    if python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8100/api/health', timeout=3)" 2>/dev/null; then
        healthy=1
        break
    fi
    sleep 2
done
if [ -z "${healthy:-}" ]; then
    "${compose[@]}" logs --tail 100 >&2
    echo "smoke test: /api/health never answered 200" >&2
    exit 1
fi
for service in web worker; do
    uid="$("${compose[@]}" exec -T "$service" id -u)"
    [ "$uid" != "0" ] || { echo "smoke test: $service runs as root" >&2; exit 1; }
done
state="$("${compose[@]}" ps --format '{{.Service}} {{.State}}' worker)"
case "$state" in
    *running*) ;;
    *) echo "smoke test: worker is not running: $state" >&2; "${compose[@]}" logs worker >&2; exit 1 ;;
esac
# The build context held deploy/compose.env just now: .dockerignore must have kept it (and .git) out.
if "${compose[@]}" exec -T web sh -c 'test -e /srv/patt/deploy/compose.env || test -e /srv/patt/.git'; then
    echo "smoke test: compose.env or .git is in the image" >&2
    exit 1
fi
echo "smoke test: ok"
