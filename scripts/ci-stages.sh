#!/usr/bin/env bash
# Times each stage of .ci/run for a commit, in a clean clone: npm ci, lint, typecheck, vitest (with
# TEST_DATABASE_URL, as .ci/run runs it). For comparing CI minutes before and after a change on the
# same machine and day: run it for both commits, one after the other, with nothing else running.
# Usage: scripts/ci-stages.sh <commit> [label]   Writes /tmp/ci-<label>.stages and a log per stage.
set -uo pipefail
commit=$1
label=${2:-$commit}
repo=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
dir=/tmp/ci-$label
out=/tmp/ci-$label.stages
rm -rf "$dir"
git clone -q "$repo" "$dir"
cd "$dir" && git checkout -q "$commit"
: >"$out"
stage() {
  local name=$1 start end rc
  shift
  start=$(date +%s.%N)
  "$@" >"/tmp/ci-$label.$name.log" 2>&1
  rc=$?
  end=$(date +%s.%N)
  printf '%s\t%.1f s\trc=%s\n' "$name" "$(echo "$end - $start" | bc)" "$rc" >>"$out"
}
t0=$(date +%s.%N)
stage npm-ci npm ci --no-audit --no-fund
export PATH="$dir/node_modules/.bin:$PATH"
stage lint npx biome check .
stage typecheck npx tsc -p tsconfig.json
stage vitest env TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npx vitest run
printf 'total\t%.1f s\n' "$(echo "$(date +%s.%N) - $t0" | bc)" >>"$out"
echo "load after: $(uptime)" >>"$out"
cat "$out"
