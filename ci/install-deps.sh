#!/usr/bin/env bash
# Installs every Debian bookworm package rdpfault needs to build and test, and nothing else.
# Idempotent: when everything is present it does nothing (no apt-get update, no network).
# As root it runs apt-get directly; otherwise through sudo; without sudo it prints the exact
# command and exits 1.
set -euo pipefail

packages=(
  build-essential cmake pkg-config ninja-build
  libboost1.81-dev libssl-dev openssl
  freerdp2-dev libwinpr2-dev
  libgtest-dev libgmock-dev
  libcli11-dev libtomlplusplus-dev nlohmann-json3-dev libfmt-dev
  # Independent RDP clients used as test partners for the fake server.
  freerdp2-x11 rdesktop xvfb xauth
  # A real RDP server: the proxy and the driver are tested against xrdp (started by the tests).
  xrdp
  # nft: the packet filter that drops SYNs in a private network namespace (tcp-firewall-drop).
  nftables
)
if [[ "${RDPFAULT_FUZZ:-0}" == 1 ]]; then packages+=(clang libclang-rt-14-dev); fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

cmd=(apt-get install -y --no-install-recommends "${missing[@]}")
if [[ $(id -u) -eq 0 ]]; then
  sudo=()
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  sudo=(sudo)
else
  echo "install-deps: missing packages: ${missing[*]}" >&2
  echo "install-deps: run as root:  apt-get update && DEBIAN_FRONTEND=noninteractive ${cmd[*]}" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q
"${sudo[@]}" apt-get "${cmd[@]:1}" -q
