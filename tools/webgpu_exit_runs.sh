#!/usr/bin/env bash
# Runs WebGPU test files N times (default 50), each run one `deno test` process, and tallies the exit codes, to show
# that no process exit aborts (issue 18, item 6: rc 134 from libEGL's destructor at exit; README, "Devices").
# Usage: bash tools/webgpu_exit_runs.sh [N] [test files…]   (default: the four WebGPU test files in tests/backends/;
# DENO_WEBGPU_BACKEND is used as set — .ci/run sets vulkan where lavapipe is installed)
set -uo pipefail
cd "$(dirname "$0")/.."
runs="${1:-50}"
shift || true
files=("$@")
if [ "${#files[@]}" = 0 ]; then
  files=(tests/backends/webgpu_test.ts tests/backends/webgpu_elementwise_test.ts tests/backends/device_stats_test.ts
    tests/backends/index_checks_test.ts)
fi
log="$(mktemp -d)"
clean=0
for i in $(seq 1 "$runs"); do
  npx -y deno@2 test --allow-read --allow-write --allow-run=deno --v8-flags=--expose-gc "${files[@]}" >"$log/run$i.txt" 2>&1
  rc=$?
  summary="$(sed 's/\x1b\[[0-9;]*m//g' "$log/run$i.txt" | grep -aE '^(ok|FAILED) \| [0-9]+ passed' | tail -1)"
  echo "run $i: rc=$rc ${summary}"
  if [ "$rc" = 0 ]; then clean=$((clean + 1)); else echo "  log kept: $log/run$i.txt"; fi
done
echo "${files[*]}: DENO_WEBGPU_BACKEND=${DENO_WEBGPU_BACKEND:-unset}; $clean of $runs runs exited 0"
[ "$clean" = "$runs" ]
