"""The folders of statelab's plain data: presets and workload traces."""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent


def data_folder() -> Path:
    """The folder of statelab's plain data: ``scenarios/`` (presets) and ``traces/``.

    In a checkout (or an editable install) it is ``data`` at the top of the
    repository; an installed wheel carries a copy inside the package.
    """
    for folder in (PACKAGE.parent / "data", PACKAGE / "_data"):
        if (folder / "scenarios").is_dir():
            return folder
    raise FileNotFoundError(
        f"statelab cannot find its data folder (looked in {PACKAGE.parent / 'data'} "
        f"and {PACKAGE / '_data'}); reinstall statelab from the repository"
    )


def scenarios_folder() -> Path:
    """The folder that holds the preset files (``*.toml``)."""
    return data_folder() / "scenarios"


def traces_folder() -> Path:
    """The folder of the workload traces that ship with statelab (``*.csv``)."""
    return data_folder() / "traces"
