"""Benchmark: from a fresh clone to JupyterLab answering, as a new learner meets it.

Each case clones this repository (its committed HEAD) into a temporary folder and runs the
Makefile's own commands there: ``make install``, then ``make lab`` (no browser, a fixed port
and token) until JupyterLab answers on ``/api/status``. It reports the install alone (what
``make test`` pays before its first test) and the whole way to an answering JupyterLab:

- ``uv, warm cache``: uv with the package cache as this machine has it (a second clone);
- ``uv, cold cache``: uv and the pip bootstrap with empty caches (a first-time user);
- ``pip, warm cache``: the pip route (``INSTALLER=pip``), which is what ``make`` did before
  uv and what it falls back to where uv cannot be had.

Goal of the setup issue: at most 30 s warm on a 2-core machine. Run with ``make bench`` or
``python bench/bench_setup.py`` (about three minutes). Set ``BENCH_SETUP_CASES=uv-warm`` (a
comma-separated list) to run only some cases.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CASES = {
    "uv-warm": ("uv, warm cache", "auto", False),
    "uv-cold": ("uv, cold cache", "auto", True),
    "pip-warm": ("pip, warm cache", "pip", False),
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fresh_clone_to_lab(installer: str, cold: bool) -> tuple[float, float]:
    """Seconds for ``make install`` and for clone-to-answering JupyterLab, in a fresh clone."""
    with tempfile.TemporaryDirectory() as folder:
        env = dict(os.environ, JUPYTER_CONFIG_DIR=f"{folder}/jupyter-config")
        if cold:
            env.update(UV_CACHE_DIR=f"{folder}/uv-cache", PIP_NO_CACHE_DIR="1")
        clone = Path(folder) / "statelab"
        began = time.perf_counter()
        subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
        subprocess.run(
            ["make", "--no-print-directory", "install", f"INSTALLER={installer}"],
            cwd=clone,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        installed = time.perf_counter() - began
        port, token = free_port(), secrets.token_hex(16)
        options = (
            f"--no-browser --ServerApp.ip=127.0.0.1 --ServerApp.port={port} "
            f"--IdentityProvider.token={token}"
        )
        server = subprocess.Popen(
            ["make", "--no-print-directory", "lab", f"LAB_ARGS={options}"],
            cwd=clone,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            url = f"http://127.0.0.1:{port}/api/status?token={token}"
            while True:
                if server.poll() is not None:
                    sys.exit(f"make lab exited with {server.returncode}")
                try:
                    with urllib.request.urlopen(url, timeout=5):
                        break
                except (urllib.error.URLError, ConnectionError):
                    time.sleep(0.1)
            answering = time.perf_counter() - began
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        return installed, answering


def main() -> None:
    chosen = os.environ.get("BENCH_SETUP_CASES", ",".join(CASES)).split(",")
    print("Fresh clone to JupyterLab answering (the Makefile's own commands, 2-core machine)")
    print(f"{'case':<18} {'make install':>13} {'to JupyterLab':>14}")
    for key in chosen:
        label, installer, cold = CASES[key]
        installed, answering = fresh_clone_to_lab(installer, cold)
        print(f"{label:<18} {installed:>11.1f} s {answering:>12.1f} s", flush=True)
    print("goal: uv, warm cache, to JupyterLab <= 30 s")


if __name__ == "__main__":
    main()
