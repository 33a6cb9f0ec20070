"""Run ``make test`` while other processes keep every core busy: no test may need an idle machine.

    python scripts/test_busy.py [--runs 3] [--burners N] [-- MAKE ARGUMENTS]

(``make test-busy`` runs it.) Before each run it starts ``--burners`` processes (default: one
a logical core) that spin on the processor at the same priority as the tests, so the tests,
JupyterLab, Chromium, the kernels and the real runs' servers get about half of what they get
on an idle machine; it stops them when the run ends. After the runs it prints each run's wall
time and outcome, and keeps each run's log as ``test-artifacts/busy/run-<N>.log``.

It exits with 1 if any run failed.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"


def spin() -> None:  # pragma: no cover - runs in a burner process until it is terminated
    """Keep one core busy."""
    while True:
        pass


def run_once(number: int, burners: int, make_args: list[str]) -> tuple[float, int]:
    """One ``make test`` beside ``burners`` spinning processes: (wall seconds, exit status)."""
    context = multiprocessing.get_context("spawn")
    spinning = [context.Process(target=spin, daemon=True) for _ in range(burners)]
    for process in spinning:
        process.start()
    began = time.monotonic()
    try:
        status = subprocess.call(["make", "--no-print-directory", "test", *make_args], cwd=ROOT)
    finally:
        for process in spinning:
            process.terminate()
        for process in spinning:
            process.join()
    took = time.monotonic() - began
    kept = ARTIFACTS / "busy" / f"run-{number}.log"
    kept.parent.mkdir(parents=True, exist_ok=True)
    log = ARTIFACTS / "make-test.log"
    if log.exists():
        shutil.copy(log, kept)
    return took, status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="how many runs of make test")
    parser.add_argument(
        "--burners",
        type=int,
        default=os.cpu_count() or 2,
        help="spinning processes beside the tests (default: one a logical core)",
    )
    parser.add_argument("make_args", nargs="*", help="passed to make test (after --)")
    options = parser.parse_args(argv)
    if options.runs < 1 or options.burners < 1:
        parser.error(
            f"--runs and --burners must be 1 or more, not {options.runs}, {options.burners}"
        )
    # started in the background by a shell without job control, this process (and so the
    # tests) would inherit SIGINT ignored, which skips the tests of Ctrl+C: a handler of its
    # own gives the children SIGINT's default back
    signal.signal(signal.SIGINT, signal.default_int_handler)
    outcomes = []
    for number in range(1, options.runs + 1):
        print(f"statelab: busy run {number} of {options.runs}, {options.burners} cores kept busy")
        took, status = run_once(number, options.burners, options.make_args)
        outcomes.append((took, status))
        print(f"statelab: busy run {number}: {took / 60:.1f} min, exit status {status}")
    print(f"\nmake test beside {options.burners} spinning processes ({os.cpu_count()} cores):")
    for number, (took, status) in enumerate(outcomes, 1):
        verdict = "passed" if status == 0 else f"FAILED (test-artifacts/busy/run-{number}.log)"
        print(f"  run {number}: {int(took // 60)} min {int(took % 60):02d} s, {verdict}")
    return 0 if all(status == 0 for _, status in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
