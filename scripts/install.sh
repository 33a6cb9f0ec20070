#!/usr/bin/env bash
# Install statelab and its pinned stack into a virtual environment, quickly and quietly.
#
#   scripts/install.sh VENV PYTHON EXTRAS [INSTALLER]
#
# Called by the Makefile (`make install`, and so `make lab` and `make test`). Steps:
#   1. create VENV with PYTHON (the standard library's venv: nothing else needed);
#   2. bootstrap uv into VENV with its pip (uv's version is pinned in constraints.txt);
#   3. install statelab (editable) with EXTRAS and the pins of constraints.txt, with uv;
#      where uv cannot be had (no wheel for this platform, say) pip does the same, slower.
# INSTALLER=pip forces the pip route (the tests check both give the pinned versions).
# One progress line a step; the installers' own output is kept for errors only.
set -euo pipefail
venv=$1 python=$2 extras=$3 installer=${4:-auto}
cd "$(dirname "$0")/.."
say() { printf 'statelab: %s\n' "$*"; }
log=$(mktemp)
trap 'rm -f "$log"' EXIT
fail() {
    cat "$log" >&2
    say "$1 failed (the installer's output is above)" >&2
    exit 1
}

"$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' || {
    say "statelab needs Python 3.10 or newer; $python is $("$python" -V 2>&1)." >&2
    say "Run make with PYTHON=python3.11 (or newer)." >&2
    exit 1
}
began=$SECONDS
pins=$(grep -c '==' constraints.txt || true)
say "creating the environment in $venv with $("$python" -V 2>&1)"
"$python" -m venv "$venv" >"$log" 2>&1 || fail "creating $venv"
bin=$venv/bin
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_WARN_SCRIPT_LOCATION=1

if [ "$installer" != pip ]; then
    if "$bin/python" -m pip install --quiet -c constraints.txt uv >"$log" 2>&1; then
        installer=uv
    else
        say "uv could not be installed here, so pip installs (slower; about two minutes)"
        installer=pip
    fi
fi
say "installing statelab[$extras] and its dependencies with $installer ($pins pinned packages)"
if [ "$installer" = uv ]; then
    # uv hard-links files from its cache where it can (it copies where the cache is on
    # another file system, and says so in the log that is shown only on failure).
    "$bin/python" -m uv pip install --quiet \
        --python "$bin/python" -c constraints.txt -e ".[$extras]" >"$log" 2>&1 \
        || fail "installing with uv"
else
    "$bin/python" -m pip install --quiet -c constraints.txt -e ".[$extras]" >"$log" 2>&1 \
        || fail "installing with pip"
fi
installed=$("$bin/python" -c 'import importlib.metadata as m; print(len({d.metadata["Name"].lower() for d in m.distributions()}))')
say "installed $installed packages in $((SECONDS - began)) s"
