#!/usr/bin/env bash
# Rehearses the Dockerfile without a Docker engine, to show that the runtime stage's files are
# complete and that the process behaves as the image runs it. Not a build: no base image is
# pulled, the host's Node 24 (node_modules/.bin/node) and npm stand in for the image's.
#
#   1. the build context: tracked and untracked files less .dockerignore's patterns;
#   2. the stages: manifests, build (npm ci --ignore-scripts, npm run build:web), prod-deps
#      (npm ci --omit=dev --ignore-scripts), and the runtime tree from the same COPY lines
#      (keep them in step with the Dockerfile's runtime stage);
#   3. runs `node --max-semi-space-size=16 apps/cli/bin/kamiyo.js serve` in it as the image
#      would: PID 1 of its own PID namespace, the root filesystem read-only (a private mount
#      namespace), a tmpfs on /tmp, one writable folder for /var/lib/kamiyo, uid and gid 1000,
#      the image's environment (API_PORT a free port here); DATABASE_URL, REDIS_URL and RCA_NATS_URL
#      pass through from the caller;
#   4. checks /health, /ready, /metrics, / and /app, the Dockerfile's HEALTHCHECK command, then
#      SIGTERM: a clean stop with exit code 0.
#
# Needs root (unshare), rsync, setpriv (util-linux), curl and the npm registry. ~2 minutes.
# Usage: bash scripts/containers/rehearse-image.sh [WORK_DIR]
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
W=${1:-$(mktemp -d /tmp/kamiyo-image.XXXXXX)}
NODE24=$REPO/node_modules/node/bin/node
export PATH="$(dirname "$NODE24"):$PATH"
# A free port (another kamiyo may hold 8080 or any fixed one on a shared machine).
PORT=$(node -e 'const s = require("node:net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')
passed=0 failed=0
check() { if "${@:2}"; then echo "ok   $1"; passed=$((passed + 1)); else echo "FAIL $1"; failed=$((failed + 1)); fi; }

echo "== build context and stages in $W"
rm -rf "${W:?}"/{ctx,context,manifests,build,prod,runtime,var}
mkdir -p "$W/ctx" "$W/manifests" "$W/build" "$W/prod"
(cd "$REPO" && git ls-files -z --cached --others --exclude-standard) |
  rsync -a --from0 --files-from=- "$REPO/" "$W/ctx/"
# .dockerignore's patterns are anchored at the context's root; "**/x" matches x at any depth.
grep -v '^#' "$REPO/.dockerignore" | sed '/^$/d' | while read -r p; do
  case "$p" in '**/'*) echo "${p#'**/'}" ;; *) echo "/$p" ;; esac
done >"$W/excludes"
rsync -a --exclude-from="$W/excludes" "$W/ctx/" "$W/context/"
(cd "$W/context" && find . -name package.json -exec cp --parents {} "$W/manifests/" \; &&
  cp package-lock.json "$W/manifests/")
cp -r "$W/manifests/." "$W/build/"
(cd "$W/build" && npm ci --ignore-scripts --no-audit --no-fund >/dev/null &&
  cp -r "$W/context/." . && npm run build:web >/dev/null)
cp -r "$W/manifests/." "$W/prod/"
(cd "$W/prod" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund >/dev/null)
APP=$W/runtime/app
mkdir -p "$APP"
cp -a "$W/prod/." "$APP/"
copy() { mkdir -p "$APP/$2" && cp -a "$1/." "$APP/$2/"; } # COPY src/ dst/ merges src into dst
copy "$W/context/apps/cli" apps/cli
copy "$W/context/apps/web/server" apps/web/server
copy "$W/context/packages" packages
copy "$W/context/modules" modules
copy "$W/context/fixtures/scenarios" fixtures/scenarios
copy "$W/build/apps/web/dist" apps/web/dist
chmod -R a-w "$APP"
echo "runtime tree: $(du -sh "$APP" | cut -f1), of which node_modules $(du -sh "$APP/node_modules" | cut -f1)"

echo "== kamiyo serve, read-only, uid 1000, PID 1"
mkdir -p "$W/var/data" "$W/var/cache" && chown -R 1000:1000 "$W/var"
ENV=(NODE_ENV=production API_HOST=127.0.0.1 API_PORT=$PORT
  KAMIYO_DATA_DIR="$W/var/data" KAMIYO_CACHE_DIR="$W/var/cache")
for v in DATABASE_URL REDIS_URL RCA_NATS_URL; do [ -n "${!v:-}" ] && ENV+=("$v=${!v}"); done
unshare --mount --propagation private --pid --fork --mount-proc -- bash -c '
  set -e
  mount -t tmpfs -o size=64m,mode=1777 tmpfs /tmp
  mount --bind "$1" "$1"
  mount -o remount,bind,ro /
  cd "$2"
  exec env -i PATH="$3:/usr/bin:/bin" HOME=/nonexistent "${@:4}" \
    setpriv --reuid 1000 --regid 1000 --clear-groups -- \
    node --max-semi-space-size=16 apps/cli/bin/kamiyo.js serve
' _ "$W/var" "$APP" "$(dirname "$NODE24")" "${ENV[@]}" >"$W/serve.log" 2>&1 &
UNSHARE=$!
for _ in $(seq 1 120); do
  curl -fsS "http://127.0.0.1:$PORT/health" >/dev/null 2>&1 && break
  kill -0 "$UNSHARE" 2>/dev/null || break
  sleep 1
done
NODE_PID=$(pgrep -P "$UNSHARE" || echo none)
check "this node process listens on port $PORT" bash -c "ss -ltnpH 'sport = :$PORT' | grep -q 'pid=$NODE_PID,'"
check "node is PID 1 of its namespace, as uid 1000" \
  test "$(awk '/^NSpid/ {print $3}' "/proc/$NODE_PID/status") $(stat -c %u "/proc/$NODE_PID")" = "1 1000"
check "GET /health 200" curl -fsS -o /dev/null "http://127.0.0.1:$PORT/health"
check "GET /ready 200" curl -fsS -o /dev/null "http://127.0.0.1:$PORT/ready"
check "GET /metrics has metrics" bash -c "curl -fsS http://127.0.0.1:$PORT/metrics | grep -q '^# HELP'"
check "GET / 200 (the built web app)" curl -fsS -o /dev/null "http://127.0.0.1:$PORT/"
check "GET /app 200" curl -fsS -o /dev/null "http://127.0.0.1:$PORT/app"
HEALTH_JS=$(grep -A1 '^HEALTHCHECK' "$REPO/Dockerfile" | tail -1 | sed 's/^ *CMD //' |
  node -e 'process.stdout.write(JSON.parse(require("fs").readFileSync(0, "utf8"))[2])')
check "the Dockerfile's HEALTHCHECK command succeeds" env API_PORT=$PORT node -e "$HEALTH_JS"
kill -TERM "$NODE_PID" 2>/dev/null || true
for _ in $(seq 1 30); do kill -0 "$UNSHARE" 2>/dev/null || break; sleep 1; done
kill -KILL "$NODE_PID" 2>/dev/null || true # as PID 1 it ignores SIGTERM if it set no handler
code=0
wait "$UNSHARE" || code=$?
check "SIGTERM: exit code 0" test "$code" = 0
check "SIGTERM: drained and stopped" grep -q '"msg":"stopped"' "$W/serve.log"
check "no error logged" bash -c "! grep -q '\"level\":[56]0' '$W/serve.log'"
echo "log: $W/serve.log"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
