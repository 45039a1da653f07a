#!/usr/bin/env bash
# Runs the GPU check on the device machine (NVIDIA GPU, no Node, no network). From the repository root:
#
#   bash .gpu/gpu-check/run.sh [--quick] [--ops-only] [--bench-only] [--filter TEXT]
#
# Unpacks the carried Node and Dawn binaries into /tmp, finds a Vulkan loader (Debian's libvulkan1, carried,
# when the system has none) and the NVIDIA Vulkan driver (VK_DRIVER_FILES when no ICD is installed), then runs
# gpu-check.mjs: the webgpu-vs-cpu comparison of every kernel op and a few VJPs, and the kernel benchmark.
# Results: stdout, and ops.json / bench.json in $OUT (when set) or /tmp/diva-gpu-check/out.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="${DIVA_GPU_WORK:-/tmp/diva-gpu-check}"
mkdir -p "$work/node_modules/webgpu/dist/linux-x64"

unxz_to() { # unxz_to SRC DST
  if command -v xz >/dev/null 2>&1; then xz -dc "$1" >"$2"; else
    python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$1" "$2"
  fi
}
[ -x "$work/node" ] || { unxz_to "$here/../node.xz" "$work/node"; chmod +x "$work/node"; }
[ -f "$work/node_modules/webgpu/dist/linux-x64/dawn.node" ] || unxz_to "$here/dawn.node.xz" "$work/node_modules/webgpu/dist/linux-x64/dawn.node"
cp "$here/webgpu/package.json" "$here/webgpu/index.js" "$work/node_modules/webgpu/"
cp "$here/gpu-check.mjs" "$work/"

# The NVIDIA driver's own libraries, where the image keeps them outside the linker's path.
for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib; do
  [ -d "$d" ] && export LD_LIBRARY_PATH="$d${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
done
# A Vulkan loader: the system's, else the carried Debian package unpacked under $work (not into /).
if ! ldconfig -p 2>/dev/null | grep -c 'libvulkan.so.1' >/dev/null; then
  deb="$(ls "$here"/libvulkan1_*.deb | head -n 1)"
  if command -v dpkg >/dev/null 2>&1; then dpkg -x "$deb" "$work/vulkan"; else
    mkdir -p "$work/vulkan" && (cd "$work/vulkan" && ar x "$deb" && tar xf data.tar.*)
  fi
  export LD_LIBRARY_PATH="$work/vulkan/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  echo "run.sh: using the carried Vulkan loader ($(basename "$deb"))"
fi
# The NVIDIA Vulkan driver, when no ICD manifest is installed where the loader looks.
if ! ls /usr/share/vulkan/icd.d/*.json /etc/vulkan/icd.d/*.json >/dev/null 2>&1; then
  icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  if [ -f "$icd" ]; then
    export VK_DRIVER_FILES="$icd" VK_ICD_FILENAMES="$icd"
    echo "run.sh: VK_DRIVER_FILES=$icd"
  fi
fi
command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L || true

out="${OUT:-$work/out}"
mkdir -p "$out"
cd "$work"
exec "$work/node" "$work/gpu-check.mjs" --out "$out" "$@"
