#!/usr/bin/env bash
# Renders a report.html with headless Chromium into a PNG screenshot, to check how the report
# looks in a browser (layout, figures, table) without opening one.
#
# Usage: scripts/report-screenshot.sh <report.html> [out.png] [width,height]
#   out.png        default: the report's path with .png instead of .html
#   width,height   browser window in pixels, default 1280,2000
#
# Needs `chromium` (Debian/Ubuntu: apt-get install -y chromium). The report is self-contained,
# so Chromium runs without network access.
set -euo pipefail

report="${1:?usage: $0 <report.html> [out.png] [width,height]}"
out="${2:-${report%.html}.png}"
size="${3:-1280,2000}"
browser="$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)"
if [ -z "$browser" ]; then
    echo "chromium not found; install it with: apt-get install -y chromium" >&2
    exit 1
fi
report_abs="$(cd "$(dirname "$report")" && pwd)/$(basename "$report")"
out_abs="$(cd "$(dirname "$out")" && pwd)/$(basename "$out")"
profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
"$browser" --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --no-first-run --user-data-dir="$profile" \
    --screenshot="$out_abs" --window-size="$size" "file://$report_abs" >/dev/null 2>&1
test -s "$out_abs"
echo "$out_abs"
