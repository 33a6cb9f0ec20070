"""Ready for the browser's Python (Pyodide, JupyterLite): no process can be started there.

Pyodide has no ``_multiprocessing`` (``from statelab import sweep`` failed on it). Here that
Python is played by making ``multiprocessing`` and ``_multiprocessing`` unimportable
(``sys.modules[name] = None``, which makes ``import name`` raise ImportError): statelab
imports, ``replicate`` and ``sweep`` run their runs in the calling process with the same
tables, and a real run refuses, saying why and where to run it. (The notebooks' own code in
such a Python, run top to bottom, is for ``make lite``, issue 31: about a minute of runs.)
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pandas as pd

from statelab import Scenario, replicate, sweep
from statelab.runs.replications import SerialExecutor

#: The first lines of a Python that cannot start processes.
NO_PROCESSES = (
    "import sys\n"
    'for name in ("multiprocessing", "_multiprocessing"):\n'
    "    sys.modules[name] = None\n"
)


def test_without_processes_statelab_runs_replications_and_sweeps_in_this_process(tmp_path):
    scenario = Scenario(duration=40.0, nodes=2)
    script = NO_PROCESSES + textwrap.dedent(
        f"""
        from statelab import Scenario, replicate, sweep
        from statelab.runs.replications import processes_available
        assert not processes_available()
        scenario = Scenario(duration=40.0, nodes=2)
        replicate(scenario, seeds=3, progress=False).summaries.to_csv({str(tmp_path / "r")!r})
        sweep(scenario, "nodes", [1, 3], seeds=2, progress=False).to_csv({str(tmp_path / "s")!r})
        assert "multiprocessing" not in [m for m, v in sys.modules.items() if v is not None]
        """
    )
    ran = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert ran.returncode == 0, ran.stderr[-2000:]
    serial = SerialExecutor()
    expected_r = replicate(scenario, seeds=3, progress=False, executor=serial).summaries
    expected_s = sweep(scenario, "nodes", [1, 3], seeds=2, progress=False, executor=serial)
    got_r = pd.read_csv(tmp_path / "r", index_col=0)
    got_s = pd.read_csv(tmp_path / "s", index_col=0)
    pd.testing.assert_frame_equal(got_r, expected_r, check_dtype=False)
    pd.testing.assert_frame_equal(got_s, expected_s, check_dtype=False)


def test_without_processes_a_real_run_refuses_and_says_where_to_run_it():
    script = NO_PROCESSES + textwrap.dedent(
        """
        from statelab import Scenario, real
        try:
            real.run(Scenario(duration=5.0))
        except RuntimeError as refused:
            print(refused)
        else:
            raise SystemExit("a real run started without processes")
        """
    )
    ran = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert ran.returncode == 0, ran.stderr[-2000:]
    assert "cannot start any" in ran.stdout and "JupyterLab" in ran.stdout, ran.stdout
