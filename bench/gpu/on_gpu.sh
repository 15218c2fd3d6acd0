#!/usr/bin/env bash
# Runs `deno task bench:gpu` on the GPU machine, from the folders bench/gpu/prepare.sh packed: installs the Vulkan
# loader, points it at the NVIDIA driver, unpacks Deno, prints the adapter (it must be the GPU, not llvmpipe,
# before any figure counts) and runs the bench with PyTorch CUDA beside it. Extra arguments go to the bench.
set -euo pipefail
cd "$(dirname "$0")/../.."
for f in .gl/*.deb; do dpkg -x "$f" /; done
ldconfig
export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json DENO_WEBGPU_BACKEND=vulkan
xz -dc .devtools/deno.xz > /usr/local/bin/deno
chmod +x /usr/local/bin/deno
deno run --no-config -A - <<<'const a = await navigator.gpu.requestAdapter(); console.log(a?.info)'
# As `deno task bench:gpu`, but --cached-only: offline, Deno would otherwise try to fetch deno.json's npm imports.
deno run --cached-only --allow-read --allow-run --allow-env bench/gpu/report.ts --python python3 \
  --mnist-root .gpudata/mnist "$@"
