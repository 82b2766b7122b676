#!/usr/bin/env bash
# Regenerate every limber PNG icon from its SVG source with rsvg-convert
# (Debian/Ubuntu package: librsvg2-bin). Works from any directory.
set -euo pipefail

here="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

command -v rsvg-convert >/dev/null 2>&1 || {
  echo "render.sh: rsvg-convert not found (apt-get install librsvg2-bin)" >&2
  exit 1
}

# Tray icons, 32x32 RGBA (decoded by the app at start-up).
for state in sitting due paused; do
  rsvg-convert --width 32 --height 32 --format png \
    --output "tray-${state}.png" "tray-${state}.svg"
done

# Application icon in a freedesktop hicolor theme layout.
for n in 16 22 24 32 48 64 128 256; do
  mkdir -p "hicolor/${n}x${n}/apps"
  rsvg-convert --width "$n" --height "$n" --format png \
    --output "hicolor/${n}x${n}/apps/limber.png" limber.svg
done
mkdir -p hicolor/scalable/apps
cp limber.svg hicolor/scalable/apps/limber.svg

echo "render.sh: icons regenerated in $here"
