#!/usr/bin/env bash
# Builds .gpu/gpu-check/: everything the GPU check needs on a machine with no Node, no npm and no network (the
# device machine with an NVIDIA H200); with the shared .gpu/node.xz about 30 MB. Run here, from anywhere in
# the repository:
#
#   bash scripts/gpu-check/build.sh
#
# Contents (.gpu/ is ignored by git through .git/info/exclude; other device scripts keep their files beside):
#   .gpu/node.xz                this machine's Node binary (xz), shared with other device scripts
#   .gpu/gpu-check/gpu-check.mjs    scripts/gpu-check/main.ts with @diva/tensor (from source), bundled by esbuild
#   .gpu/gpu-check/dawn.node.xz     the webgpu package's linux-x64 Dawn binary (xz); webgpu/ has its index.js
#   .gpu/gpu-check/libvulkan1_*.deb Debian's Vulkan loader, unpacked (into /tmp) only if the device has none
#   .gpu/gpu-check/run.sh           the device-side script (a copy of scripts/gpu-check/run.sh)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="$root/.gpu/gpu-check"
cd "$root"
mkdir -p "$out/webgpu"

if ! grep -qxF "/.gpu/" .git/info/exclude 2>/dev/null; then echo "/.gpu/" >>.git/info/exclude; fi

echo "gpu-check build: bundling"
npx --no-install esbuild scripts/gpu-check/main.ts --bundle --platform=node --format=esm --target=node20 \
  --conditions=source --external:webgpu --log-level=warning --outfile="$out/gpu-check.mjs" \
  --banner:js="import { createRequire as __divaRequire } from 'node:module'; const require = __divaRequire(import.meta.url);"

node_bin="$(readlink -f "$(command -v node)")"
node_xz="$root/.gpu/node.xz"
if [ ! -f "$node_xz" ] || [ "$node_bin" -nt "$node_xz" ]; then
  echo "gpu-check build: compressing $node_bin ($(node --version))"
  xz -T0 -9 -c "$node_bin" >"$node_xz.tmp" && mv "$node_xz.tmp" "$node_xz"
fi

dawn="node_modules/webgpu/dist/linux-x64/dawn.node"
if [ ! -f "$out/dawn.node.xz" ] || [ "$dawn" -nt "$out/dawn.node.xz" ]; then
  echo "gpu-check build: compressing $dawn"
  xz -T0 -9 -c "$dawn" >"$out/dawn.node.xz"
fi
cp node_modules/webgpu/package.json node_modules/webgpu/index.js "$out/webgpu/"

if ! ls "$out"/libvulkan1_*_amd64.deb >/dev/null 2>&1; then
  cached="$(ls /var/cache/apt/archives/libvulkan1_*_amd64.deb 2>/dev/null | head -n 1 || true)"
  if [ -n "$cached" ]; then
    cp "$cached" "$out/"
  else
    echo "gpu-check build: downloading libvulkan1 (amd64)"
    (cd "$out" && apt-get -o APT::Architecture=amd64 download libvulkan1:amd64)
  fi
fi

cp scripts/gpu-check/run.sh "$out/run.sh"
chmod +x "$out/run.sh"
echo "gpu-check build: $(du -sh "$out" | cut -f1) in $out, $(du -sh "$root/.gpu" | cut -f1) in all of .gpu:"
ls -la "$out" "$node_xz"
