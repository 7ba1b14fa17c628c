#!/usr/bin/env bash
# Idempotent set-up for a fresh Debian/Ubuntu machine: apt packages when missing, then the
# project's virtual environment in .venv/ with the pinned dependencies. Safe to run twice;
# the second run only checks and returns.
set -euo pipefail
cd "$(dirname "$0")/.."

EXTRAS="${EXTRAS:-dev,hq,terminal}"
# Debian packages the project needs at set-up or run time (later issues extend this list).
# pcscd + vsmartcard-vpcd: the PC/SC stack and its virtual reader; swig + libpcsclite-dev build
# pyscard; socat makes pseudo-terminal pairs for the serial printer; xvfb/xauth/libmtdev1 for Kivy;
# fonts-wqy-microhei is the CJK font for the UI and receipt previews; tesseract-ocr reads the UI
# tests' screenshots (no PIN may be on one); xsel is the X11 cut buffer Kivy looks for whenever a
# text field exists (without it or xclip Kivy logs two tracebacks at every start).
APT_PACKAGES=(python3 python3-venv python3-dev gcc make pkg-config mosquitto mosquitto-clients
    postgresql pcscd vsmartcard-vpcd socat swig libpcsclite-dev xvfb xauth libmtdev1
    fonts-wqy-microhei libusb-1.0-0 tesseract-ocr tesseract-ocr-eng xsel)

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@";
    elif command -v sudo >/dev/null; then sudo "$@";
    else echo "setup: need root or sudo to install: $*" >&2; exit 1; fi
}

install_missing_apt_packages() {
    command -v dpkg-query >/dev/null || { echo "setup: not a Debian/Ubuntu machine; install ${APT_PACKAGES[*]} yourself" >&2; return; }
    local missing=()
    for pkg in "${APT_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    if [ "${#missing[@]}" -gt 0 ]; then
        echo "setup: installing ${missing[*]}"
        as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
    fi
}

pick_python() {
    for candidate in python3.11 python3; do
        if command -v "$candidate" >/dev/null && "$candidate" -c \
            'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            command -v "$candidate"; return
        fi
    done
    echo "setup: no Python 3.11 or newer with venv found" >&2; exit 1
}

install_missing_apt_packages
stamp_value="$(cat pyproject.toml device-drivers/pyproject.toml requirements/constraints.txt scripts/setup.sh | sha256sum | cut -d' ' -f1) $EXTRAS"
if [ -f .venv/.setup-stamp ] && [ "$(cat .venv/.setup-stamp)" = "$stamp_value" ]; then
    exit 0
fi
if [ ! -x .venv/bin/python ]; then
    python="$(pick_python)"
    echo "setup: creating .venv with $python"
    "$python" -m venv .venv
fi
echo "setup: installing pinned dependencies ($EXTRAS)"
.venv/bin/python -m pip install -q --disable-pip-version-check \
    -c requirements/constraints.txt -e ".[${EXTRAS}]" -e ./device-drivers
echo "$stamp_value" > .venv/.setup-stamp
echo "setup: done"
