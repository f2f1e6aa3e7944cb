#!/usr/bin/env bash
# Optional system libraries GraphFlow uses when they are there: oneDNN for the `native` CPU backend
# (packages/backend-native). Debian/Ubuntu only; anywhere else, or without root/sudo, it says what it would do and
# exits 0 — GraphFlow then runs on its wasm backend. Run it before `npm ci` (the addon is built during install), or
# afterwards followed by `npm rebuild @graphflow/backend-native`.
set -u
PACKAGES=(libdnnl-dev)

if ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg >/dev/null 2>&1; then
  echo "install-system-deps: no apt-get here; to use the native backend install oneDNN 2.x (headers + libdnnl) yourself"
  exit 0
fi
missing=()
for p in "${PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-system-deps: ${PACKAGES[*]} already installed"
  exit 0
fi
if [ "$(id -u)" -eq 0 ]; then
  run=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  run=(sudo -n)
else
  echo "install-system-deps: not root and no passwordless sudo; for the native backend run: sudo apt-get install -y ${missing[*]}"
  exit 0
fi
echo "install-system-deps: installing ${missing[*]} (oneDNN, ~40 MB) for the native CPU backend"
if ! { "${run[@]}" apt-get update -qq && DEBIAN_FRONTEND=noninteractive "${run[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }; then
  echo "install-system-deps: apt-get failed; GraphFlow will use its wasm backend"
fi
exit 0
