#!/usr/bin/env bash
# Opens report.html in Debian's headless Chromium, in English and German,
# and takes a screenshot of each. Fails on a blank page, on a page without
# its charts or key figures, and on any browser console message. The report
# has no script, so any console message is an error such as a blocked load.
#
# Usage: scripts/check-report-in-browser.sh [RUN_DIR] [SCREENSHOT_DIR]
#   RUN_DIR         a finished run; without it, a small run (20,000 domains,
#                   3 replications) is made in a temporary folder
#   SCREENSHOT_DIR  where report-en.png and report-de.png go
#                   [default: reports/screenshots]
#
# Chromium is installed with apt when /usr/bin/chromium is missing (needs
# root). It runs in its own empty network namespace when `unshare --net`
# works, so it can reach no host at all; the page itself loads nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

run_dir="${1:-}"
shots="${2:-reports/screenshots}"
mkdir -p "$shots"

if [ ! -x /usr/bin/chromium ]; then
    echo "Installing chromium with apt ..."
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y chromium
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cargo build --release --quiet
binary="${CARGO_TARGET_DIR:-target}/release/isc-sim"
if [ -z "$run_dir" ]; then
    run_dir="$work/run"
    "$binary" run --domains 20000 --replications 3 --out "$run_dir" --quiet > /dev/null
fi

isolate=()
if unshare --net true 2> /dev/null; then
    isolate=(unshare --net)
else
    echo "note: unshare --net is not available; Chromium runs in the normal network namespace"
fi

# Runs headless Chromium once with a fresh profile. Its log goes to $work/log.
chromium_call() {
    local profile
    profile="$(mktemp -d -p "$work")"
    timeout 120 "${isolate[@]}" /usr/bin/chromium --headless --no-sandbox --disable-gpu --disable-quic \
        --no-first-run --disable-background-networking --disable-component-update --disable-sync \
        --disable-extensions --hide-scrollbars --force-device-scale-factor=1 \
        --user-data-dir="$profile" --enable-logging=stderr --v=0 "$@" 2>> "$work/log"
}

status=0
for lang in en de; do
    "$binary" report "$run_dir" --lang "$lang" --quiet
    page="$(realpath "$run_dir/report.html")"
    : > "$work/log"
    chromium_call --dump-dom "file://$page" > "$work/dom.html"
    chromium_call --window-size=1280,1700 --screenshot="$work/shot.png" "file://$page" > /dev/null
    cp "$work/shot.png" "$shots/report-$lang.png"

    if grep -E ':CONSOLE[:(]' "$work/log"; then
        echo "FAIL ($lang): the browser console reported the messages above"
        status=1
    fi
    # The DOM must contain the page's heading, key figures and chart images.
    case "$lang" in
        en) heading="Auto-iSC capacity report"; figures="Key figures" ;;
        de) heading="Auto-iSC-Kapazitätsbericht"; figures="Kennzahlen" ;;
    esac
    images="$(grep -o '<img src="data:image/svg+xml;base64,' "$work/dom.html" | wc -l)"
    if ! grep -q "$heading" "$work/dom.html" || ! grep -q "$figures" "$work/dom.html" || [ "$images" -lt 6 ]; then
        echo "FAIL ($lang): the rendered page lacks its heading, key figures or charts ($images chart images)"
        status=1
    fi
    if ! python3 scripts/check_screenshot.py "$work/shot.png"; then
        echo "FAIL ($lang): the screenshot looks blank or shows no chart"
        status=1
    fi
    [ "$status" -eq 0 ] && echo "ok ($lang): $shots/report-$lang.png"
done
# Leave the report in English, as `isc-sim run` writes it.
"$binary" report "$run_dir" --lang en --quiet
exit "$status"
