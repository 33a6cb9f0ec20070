"""Benchmark: the whole course run headless, notebook by notebook (issue 17: the simulated
course, 00 to 08, under 90 s; issue 18: notebook 09's real runs under 60 s).

Each notebook of ``notebooks/`` runs top to bottom in a fresh kernel with nbclient, as
``tests/test_notebooks.py`` runs it, in a copy (nothing is written back). The time of
each includes starting its kernel. Run with ``make bench`` or
``python bench/bench_course.py``.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
GOAL = 90.0  # seconds for the simulated course, 00 to 08
REAL_GOAL = 60.0  # seconds for notebook 09, whose default runs are real processes
REAL = "09_the_real_thing.ipynb"


def run(path: Path, folder: Path) -> float:
    """Seconds to run the notebook at ``path`` in a fresh kernel, in ``folder``."""
    notebook = nbformat.read(path, as_version=4)
    began = time.perf_counter()
    NotebookClient(
        notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
    ).execute()
    return time.perf_counter() - began


def main() -> None:
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work)
        for path in (ROOT / "notebooks").glob("*.ipynb"):
            shutil.copy(path, folder / path.name)
        print("The course run headless, a fresh kernel for each notebook (seconds):")
        total = 0.0
        for path in sorted(folder.glob("0*.ipynb")):
            seconds = run(path, folder)
            if path.name == REAL:
                verdict = "ok" if seconds <= REAL_GOAL else "MISS"
                print(f"  {path.name:<40} {seconds:6.1f}  (goal <= {REAL_GOAL:g}: {verdict})")
                continue
            total += seconds
            print(f"  {path.name:<40} {seconds:6.1f}")
        verdict = "ok" if total <= GOAL else "MISS"
        name = "the simulated course (00 to 08)"
        print(f"  {name:<40} {total:6.1f}  (goal <= {GOAL:g}: {verdict})")


if __name__ == "__main__":
    sys.exit(main())
