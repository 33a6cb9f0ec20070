#!/usr/bin/env bash
# Install statelab and its pinned stack into a virtual environment, quickly and quietly.
#
#   scripts/install.sh VENV PYTHON EXTRAS [INSTALLER]
#
# Called by the Makefile (`make install`, and so `make lab` and `make test`). Steps:
#   1. create VENV with PYTHON (the standard library's venv: nothing else needed);
#   2. bootstrap uv into VENV with its pip (uv's version is pinned in constraints.txt);
#   3. install statelab (editable) with EXTRAS and the pins of constraints.txt, with uv;
#      where uv cannot be had (no wheel for this platform, say) pip does the same, slower;
#   4. in a git work tree, with a VENV inside it (the default .venv, not a throwaway one
#      elsewhere) and the dev extra installed: nbstripout as the git filter of notebooks,
#      so what git holds has no outputs after a learner runs and saves a notebook (the
#      files on disk keep theirs). Cell ids are kept, so clean notebooks pass unchanged.
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
# the package with its extras (none: the package alone, its own dependencies)
package=.
[ -n "$extras" ] && package=".[$extras]"
say "installing statelab${extras:+[$extras]} and its dependencies with $installer ($pins pinned packages)"
if [ "$installer" = uv ]; then
    # uv hard-links files from its cache where it can (it copies where the cache is on
    # another file system, and says so in the log that is shown only on failure).
    # --compile-bytecode: the .pyc files are written now, on every core, as pip does by
    # default; else the first start of each program writes them (JupyterLab's first kernel
    # in a fresh clone took 45 s on a busy machine, every process of a real run a while)
    # (STATELAB_COMPILE_BYTECODE=0 leaves them out: tests/test_project.py's throwaway installs)
    compile=--compile-bytecode
    [ "${STATELAB_COMPILE_BYTECODE:-1}" = 0 ] && compile=
    "$bin/python" -m uv pip install --quiet $compile \
        --python "$bin/python" -c constraints.txt -e "$package" >"$log" 2>&1 \
        || fail "installing with uv"
else
    "$bin/python" -m pip install --quiet -c constraints.txt -e "$package" >"$log" 2>&1 \
        || fail "installing with pip"
fi
installed=$("$bin/python" -c 'import importlib.metadata as m; print(len({d.metadata["Name"].lower() for d in m.distributions()}))')
say "installed $installed packages in $((SECONDS - began)) s"

# 4. nbstripout as the notebooks' git filter (its settings go to .git/config and
#    .git/info/attributes, nothing that is committed). `git config --remove-section
#    filter.nbstripout` undoes it.
venv_path=$(cd "$venv" && pwd -P)
here=$(pwd -P)
top=$(git rev-parse --show-toplevel 2>/dev/null || true)
if [ -x "$bin/nbstripout" ] && [ "${venv_path#"$here"/}" != "$venv_path" ] \
    && [ -n "$top" ] && [ "$(cd "$top" && pwd -P)" = "$here" ]; then
    # --keep-id: the committed notebooks' cell ids stay, so a clean notebook passes as is;
    # not required: after `make clean` (no .venv) git keeps working and warns, and the
    # test of clean notebooks, which reads what git holds, catches an output.
    strip="\"$venv_path/bin/python\" -m nbstripout --keep-id"
    { "$bin/nbstripout" --install --python "$venv_path/bin/python" \
        && git config filter.nbstripout.clean "$strip" \
        && git config filter.nbstripout.required false \
        && git config diff.ipynb.textconv "$strip -t"; } >"$log" 2>&1 \
        || fail "installing nbstripout as a git filter"
    say "notebooks' outputs stay out of git: nbstripout is installed as a git filter"
fi
