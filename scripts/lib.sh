# Shared by scripts/demo and scripts/test: package installation and the
# meson build. Sourced, not run.

set -euo pipefail

SB_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# Debian 12 packages, by purpose. Nothing is downloaded at build time: meson
# finds all of these through pkg-config.
SB_BUILD_PACKAGES=(
  g++ meson ninja-build pkg-config
  libboost-dev libspdlog-dev libfmt-dev libspandsp-dev libopus-dev libspeexdsp-dev
  libsndfile1-dev nlohmann-json3-dev libtomlplusplus-dev libcli11-dev libsrtp2-dev
  libdpdk-dev liburing-dev libgtest-dev libgmock-dev libbenchmark-dev
)
# The demo speaks its IVR prompts (switchboard prompts generate).
SB_DEMO_PACKAGES=(espeak-ng)
# Real peers and tools the tests drive, and clang for the libFuzzer targets.
SB_TEST_PACKAGES=(
  sox espeak-ng ffmpeg tshark kamailio iproute2 ethtool clang libclang-rt-14-dev
  prometheus baresip
)

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

# Installs whatever in "$@" is not installed yet; runs apt-get update only
# when something is missing.
install_missing() {
  local missing=()
  local p
  for p in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
      missing+=("$p")
    fi
  done
  if [ ${#missing[@]} -eq 0 ]; then
    say "all ${#@} required Debian packages are installed"
    return 0
  fi
  say "installing ${#missing[@]} missing Debian packages: ${missing[*]}"
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
      sudo=(sudo -n)
    else
      echo "error: packages are missing (${missing[*]}) and installing them needs root; run this as root" >&2
      exit 1
    fi
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -q
  "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# meson setup on first use, meson configure afterwards; then compile.
# $1: build directory, rest: meson options.
build_tree() {
  local dir="$1"; shift
  if [ -f "$dir/build.ninja" ]; then
    say "configuring $dir ($*)"
    meson configure "$dir" "$@" >/dev/null
  else
    say "setting up $dir ($*)"
    meson setup "$dir" "$@"
  fi
  say "building $dir"
  meson compile -C "$dir"
}
