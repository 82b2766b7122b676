# Shared by scripts/run and scripts/test: installing what limber needs on Debian/Ubuntu.
# shellcheck shell=bash

# Libraries the build links against (libasound for sound, libpulse to see a microphone in
# use) and winit/cpal load at run time.
BUILD_PACKAGES=(build-essential pkg-config libasound2-dev libpulse-dev)
RUNTIME_PACKAGES=(libasound2 libpulse0 libasound2-plugins libxkbcommon-x11-0 libxcursor1 libxi6 libxrandr2 libwayland-client0)
# A headless desktop for the end-to-end tests: X server, session bus, notification server,
# audio server with a null sink, input and screenshot tools, OCR, the X core fonts the harness's
# test window asks for (xfonts-base); sway and wtype for a headless Wayland session. Every
# program and X font the tests use must come from here: tests/desktop/test_packages.py checks.
TEST_PACKAGES=(xvfb xauth dbus dbus-x11 dunst libnotify-bin xdotool x11-utils xfonts-base imagemagick tesseract-ocr alsa-utils sway wtype
  tesseract-ocr-eng sox python3 python3-dbus python3-gi python3-pytest python3-pytest-rerunfailures pulseaudio
  pulseaudio-utils fonts-dejavu-core desktop-file-utils procps)

# Installs the Debian packages among "$@" that are not installed yet, with sudo when not root.
need_packages() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=()
  [ "$(id -u)" -ne 0 ] && sudo=(sudo)
  echo "installing: ${missing[*]}" >&2
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

need_rust() {
  if ! command -v cargo >/dev/null 2>&1; then
    echo "limber needs Rust 1.90 or newer; install it with rustup, then run this again." >&2
    exit 1
  fi
}
