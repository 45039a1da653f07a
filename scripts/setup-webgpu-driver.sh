#!/usr/bin/env bash
# Installs a software WebGPU driver on a Debian 12 (bookworm) machine without a GPU, so that Dawn (the `webgpu`
# npm package) finds an adapter. Idempotent and quiet; run as root. See DESIGN.md section 7.
#
# Order of preference:
#   1. Mesa lavapipe >= 24 (Vulkan) from bookworm-backports, installed system-wide (the Vulkan loader finds its
#      ICD in /usr/share/vulkan/icd.d without any variable). Debian 12's own lavapipe 22.3 is refused by Dawn.
#   2. SwiftShader (Vulkan) from Debian's chromium-common, selected with VK_ICD_FILENAMES (or, in the backend's
#      loader, DIVA_WEBGPU_BACKEND=swiftshader, which also wins over a system-wide Vulkan driver).
#   3. Dawn's OpenGL backend on Mesa llvmpipe (stock Debian 12 EGL/GL), selected with DIVA_WEBGPU_BACKEND=opengl.
#
# Prints the driver it set up and writes the variables a process needs to .tmp/webgpu.env (KEY=VALUE lines).
# Tests need not source that file: the backend's Node loader looks for the same drivers at the same paths.
# Set DIVA_WEBGPU_DRIVER=lavapipe|swiftshader|opengl to force one.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
envfile="$root/.tmp/webgpu.env"
mkdir -p "$root/.tmp"
export DEBIAN_FRONTEND=noninteractive
want="${DIVA_WEBGPU_DRIVER:-}"

log() { echo "setup-webgpu-driver: $*"; }
sudo_() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

aptlog="$root/.tmp/setup-webgpu-driver.log"
: >"$aptlog"
# Runs an apt command with its output in the log; prints the log's tail if it fails.
quiet() {
  if ! sudo_ "$@" >>"$aptlog" 2>&1; then
    echo "setup-webgpu-driver: failed: $* (last lines of $aptlog:)" >&2
    tail -n 15 "$aptlog" >&2
    return 1
  fi
}

apt_updated=0
apt_update() {
  if [ "$apt_updated" = 0 ]; then
    quiet apt-get update -qq
    apt_updated=1
  fi
}

# Installed version of a Debian package, or nothing.
pkg_version() { dpkg-query -W -f='${Status} ${Version}\n' "$1" 2>/dev/null | awk '$3 == "installed" { print $4 }'; }

lavapipe_icd() { ls /usr/share/vulkan/icd.d/lvp_icd*.json 2>/dev/null | head -n 1; }

lavapipe_ok() {
  local v
  v="$(pkg_version mesa-vulkan-drivers)"
  [ -n "$v" ] && [ -n "$(lavapipe_icd)" ] && [ -n "$(pkg_version libvulkan1)" ] &&
    dpkg --compare-versions "$v" ge 24 2>/dev/null
}

# Adds bookworm-backports next to the machine's configured Debian mirror (same URI and keyring).
add_backports() {
  if grep -rqs "bookworm-backports" /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null; then return 0; fi
  local uri="" keyring="/usr/share/keyrings/debian-archive-keyring.gpg"
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    uri="$(awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }' /etc/apt/sources.list.d/debian.sources)"
  fi
  if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
    uri="$(awk '$1 == "deb" && $0 ~ /bookworm/ && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^(https?|file|mirror):/) { print $i; exit } }' /etc/apt/sources.list)"
  fi
  uri="${uri:-http://deb.debian.org/debian}"
  sudo_ tee /etc/apt/sources.list.d/bookworm-backports.sources >/dev/null <<EOF
Types: deb
URIs: $uri
Suites: bookworm-backports
Components: main
Signed-By: $keyring
EOF
  apt_updated=0
}

setup_lavapipe() {
  if ! lavapipe_ok; then
    add_backports
    apt_update
    quiet apt-get install -y -qq -o Dpkg::Use-Pty=0 -t bookworm-backports mesa-vulkan-drivers libvulkan1
  fi
  lavapipe_ok || return 1
  echo "VK_ICD_FILENAMES=$(lavapipe_icd)" >"$envfile"
  log "Mesa lavapipe $(pkg_version mesa-vulkan-drivers) (Vulkan, ICD $(lavapipe_icd))"
}

setup_swiftshader() {
  local icd=/usr/lib/chromium/vk_swiftshader_icd.json
  if [ ! -f "$icd" ]; then
    apt_update
    quiet apt-get install -y -qq -o Dpkg::Use-Pty=0 chromium-common libvulkan1
  fi
  [ -f "$icd" ] || return 1
  echo "VK_ICD_FILENAMES=$icd" >"$envfile"
  log "SwiftShader from chromium-common (Vulkan, ICD $icd)"
}

setup_opengl() {
  if [ -z "$(pkg_version libegl-mesa0)" ] || [ -z "$(pkg_version libgl1-mesa-dri)" ]; then
    apt_update
    quiet apt-get install -y -qq -o Dpkg::Use-Pty=0 libegl1 libegl-mesa0 libgl1-mesa-dri libgles2
  fi
  printf 'DIVA_WEBGPU_BACKEND=opengl\nEGL_PLATFORM=surfaceless\n' >"$envfile"
  log "Dawn OpenGL backend on Mesa llvmpipe (compatibility feature level)"
}

case "$want" in
  lavapipe) setup_lavapipe ;;
  swiftshader) setup_swiftshader ;;
  opengl) setup_opengl ;;
  "") setup_lavapipe || setup_swiftshader || setup_opengl ;;
  *) echo "setup-webgpu-driver: unknown DIVA_WEBGPU_DRIVER=$want (lavapipe, swiftshader or opengl)" >&2; exit 2 ;;
esac
