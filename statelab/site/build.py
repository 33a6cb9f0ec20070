"""``make site``: the course as a static website, in ``site/``, that works with no Python.

Every notebook is run headless (:func:`statelab.site.notebooks.execute`, its widgets'
state kept) and written as a page with nbconvert and a template of ours
(``templates/statelab_site``), which serves every asset from the site itself: require.js
(npm ``requirejs``) and the widget manager (npm ``@jupyter-widgets/html-manager``'s
``embed-amd.js``), both pinned in ``package-lock.json``; anywidget's loader from its wheel;
the animated view's committed bundle. No CDN is asked for anything, and there is no
MathJax or Mermaid: no page has math or a diagram. So the site works offline, from
``file://`` and from any static host (``python -m http.server -d site``).

nbconvert is the builder because it is the one that works here: MyST (``mystmd``) needs its
template server and Quarto's PyPI package downloads a binary, and neither can be had offline.

The free-play Lab (``lab.html``) and notebook 00's Lab answer their main controls from a
grid of runs simulated here (:mod:`statelab.site.grid`). Layout::

    site/index.html            the README's opening and the contents
    site/<notebook>.html       a page a notebook (09 shown, not run: it starts real servers)
    site/lab.html              the free-play Lab, without a kernel
    site/notebooks/*.ipynb     the notebooks, to download and run in JupyterLab
    site/runs/<grid>/<key>.js  the grids' runs
    site/static/               scripts, styles and fonts

Run ``python -m statelab.site [--output DIR] [--jobs N]``.
"""

from __future__ import annotations

import argparse
import html
import itertools
import json
import re
import shutil
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
from jupyter_core.paths import jupyter_path
from nbconvert import HTMLExporter
from nbconvert.filters.markdown_mistune import markdown2html_mistune

from statelab.dashboards.controls import RANGES
from statelab.sim.scenario import AFFINITIES, BALANCERS, STATE_LOCATIONS
from statelab.site import grid as grids
from statelab.site.notebooks import NOT_RUN, execute, prepare, prune, views_shown

HERE = Path(__file__).parent
ROOT = HERE.parents[1]
TEMPLATES = HERE / "templates"
#: The control labels of the Lab (statelab.dashboards.lab), for the site's Lab.
LABELS = {
    "nodes": "web servers",
    "workers": "workers / node",
    "arrival_rate": "shoppers / s",
    "balancer": "balancer",
    "affinity": "affinity",
    "state": "state lives in",
    "crash_node": "crash node",
    "crash_at": "crash at (s)",
    "failures": "random failures",
    "autoscale": "autoscaling",
}
#: What a page says above a cell a learner answers in JupyterLab, by kind.
ANSWERS = {
    "prediction": {
        "label": "A prediction",
        "text": "In JupyterLab you type your guess here before the run; the run below shows "
        "what happened, beside your guess. Here the guess is empty.",
    },
    "exercise": {
        "label": "An exercise",
        "text": "Run this notebook in JupyterLab to answer it: the answer is checked there, "
        "with a hint when it is off.",
    },
    "build": {
        "label": "A build-it exercise",
        "text": "In JupyterLab you write this function, and the judge runs it against the "
        "simulated cluster.",
    },
}
#: The free-play Lab's one-click moments on the site: values of its grid (for a room).
MOMENTS = (
    ("Crash node 1 at 60 s", {"crash_node": 1}),
    ("Carts in the store", {"state": "store", "crash_node": 1}),
    ("4 web servers", {"nodes": 4}),
    ("Start again", {}),
)
MATH = re.compile(r"(?<![\\\w])\$[^$\n]+\$|\$\$")


class SiteError(RuntimeError):
    """The site cannot be built: something it needs is missing (the message says what)."""


# -- the notebooks --------------------------------------------------------------------


def course() -> list[Path]:
    """The notebooks in the course's order: 00 to 09, then the free-play Lab."""
    found = sorted((ROOT / "notebooks").glob("*.ipynb"))
    return [p for p in found if p.stem[:2].isdigit()] + [
        p for p in found if not p.stem[:2].isdigit()
    ]


def title_of(notebook) -> str:
    """A notebook's title: its first heading, without the ``#``."""
    first = notebook.cells[0].source.splitlines()[0]
    return first.lstrip("#").strip()


def minutes_of(notebook) -> str:
    """What a notebook's top says of its time ("about 20 minutes"), or ""."""
    found = re.search(r"about \d+ minutes", notebook.cells[0].source)
    return found.group(0) if found else ""


def _check_no_math(path: Path, notebook) -> None:
    for cell in notebook.cells:
        if cell.cell_type == "markdown" and MATH.search(cell.source):
            raise SiteError(
                f"{path.name} has math ({MATH.search(cell.source).group(0)!r}); the site loads "
                "no MathJax: serve it from the site first (statelab/site/build.py)"
            )


# -- the grids' configuration for the page --------------------------------------------


def control_specs(grid: grids.Grid) -> list[dict]:
    """The site Lab's controls: each shown control's label and kind, and its range or
    choices as the Lab in JupyterLab offers them."""
    choices = {
        "balancer": list(BALANCERS),
        "affinity": list(AFFINITIES),
        "state": list(STATE_LOCATIONS),
        "crash_node": [grids.NO_CRASH],  # the page fills in the nodes
    }
    specs = []
    for name in grid.shown:
        spec = {"name": name, "label": LABELS[name]}
        if name in choices:
            spec.update(kind="select", options=choices[name])
        elif name in ("failures", "autoscale"):
            spec.update(kind="checkbox")
        elif name == "crash_at":
            step = _axis_step(grid, name, 5.0)
            spec.update(kind="range", min=0.0, max=grid.base.duration, step=step)
        else:
            span = RANGES[name]
            spec.update(kind="range", min=span.low, max=span.high, step=span.step)
        specs.append(spec)
    return specs


def _axis_step(grid: grids.Grid, name: str, step: float) -> float:
    """A range control's step on the site: the spacing of the grid's values when they are
    evenly spaced from the control's 0 (crash at 30, 60, 90 s: steps of 30 s, so that the
    control stops on the runs there are), else the Lab's ``step``."""
    values = sorted(grid.axes.get(name, ()))
    if len(values) < 2:
        return step
    spacing = values[1] - values[0]
    even = all(b - a == spacing for a, b in itertools.pairwise(values))
    return float(spacing) if even and values[0] % spacing == 0 else step


def lab_config(grid: grids.Grid, moments: bool) -> dict:
    """The configuration a page's Lab without a kernel reads (JSON-safe)."""
    config = {**grid.config(), "controls": control_specs(grid)}
    if moments:
        config["moments"] = [{"label": label, "values": values} for label, values in MOMENTS]
    return config


# -- assets -------------------------------------------------------------------------


def _node_file(*parts: str) -> Path:
    path = ROOT.joinpath("node_modules", *parts)
    if not path.exists():
        raise SiteError(
            f"{path.relative_to(ROOT)} is missing: make site takes the widget manager and "
            "require.js from the npm registry (run `make node-tools`; Node.js 18+ and npm)"
        )
    return path


def _anywidget_loader() -> Path:
    for folder in jupyter_path("nbextensions"):
        path = Path(folder) / "anywidget" / "index.js"
        if path.exists():
            return path
    raise SiteError("anywidget's nbextension (index.js) is not installed: run `make install`")


def copy_assets(static: Path) -> None:
    """The site's scripts, styles and fonts, all served by the site itself."""
    static.mkdir(parents=True, exist_ok=True)
    shutil.copy(_node_file("requirejs", "require.js"), static / "require.js")
    manager = _node_file("@jupyter-widgets", "html-manager", "dist")
    for path in manager.iterdir():
        if path.name == "embed-amd.js" or path.suffix in (
            ".woff",
            ".woff2",
            ".ttf",
            ".eot",
            ".svg",
        ):
            shutil.copy(path, static / path.name)
    shutil.copy(_anywidget_loader(), static / "anywidget.js")
    view = ROOT / "statelab" / "dashboards" / "static"
    shutil.copy(view / "animated_cluster.css", static / "animated_cluster.css")
    source = (view / "animated_cluster.js").read_text(encoding="utf-8")
    (static / "view.js").write_text(
        "// The animated view's committed bundle, as text for the site's Lab (a blob: import)\n"
        f"window.statelabViewSource = {json.dumps(source)};\n",
        encoding="utf-8",
    )
    shutil.copy(HERE / "static" / "site.js", static / "site.js")
    for name in ("site.css", "favicon.svg"):
        shutil.copy(HERE / "static" / name, static / name)


# -- pages --------------------------------------------------------------------------


def exporter() -> HTMLExporter:
    """nbconvert's HTML exporter with the site's template (no CDN, no MathJax)."""
    return HTMLExporter(
        template_name="statelab_site",
        extra_template_basedirs=[str(TEMPLATES)],
        exclude_anchor_links=False,
        widget_renderer_url="static/embed-amd.js",
        require_js_url="static/require.js",
    )


def write_page(notebook, name: str, out: Path, neighbours: tuple, lab: bool, banner: str) -> None:
    """One notebook's page, ``out/<name>.html``."""
    previous, following = neighbours
    resources = {
        "metadata": {"name": title_of(notebook)},
        "statelab": {
            "previous": previous,
            "next": following,
            "notebook": f"notebooks/{name}.ipynb",
            "answers": ANSWERS,
            "lab": lab,
            "banner": banner,
            "footer": "statelab: a course on stateful and stateless web services, run on a "
            "simulated cluster. This page was made from the notebook run headless; "
            "the same notebook in JupyterLab lets you change and run every cell.",
        },
    }
    body, _ = exporter().from_notebook_node(notebook, resources=resources)
    (out / f"{name}.html").write_text(body, encoding="utf-8")


def readme_opening() -> str:
    """The README's opening (up to its first ``##`` heading), as HTML."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    opening = text.split("\n## ", 1)[0]
    return markdown2html_mistune(opening)


def write_index(out: Path, pages: list[dict]) -> None:
    """The front page: the README's opening, how to use the site, and the contents."""
    rows = "\n".join(
        f'<li><a href="{p["href"]}">{html.escape(p["title"])}</a>'
        + (
            f' <span class="statelab-site-time">({html.escape(p["minutes"])})</span>'
            if p["minutes"]
            else ""
        )
        + (
            f' <span class="statelab-site-time">{html.escape(p["note"])}</span>'
            if p.get("note")
            else ""
        )
        + "</li>"
        for p in pages
    )
    page = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>statelab: a course on stateful and stateless web services</title>
<link rel="stylesheet" href="static/site.css">
<link rel="icon" href="static/favicon.svg">
</head>
<body class="statelab-site-page statelab-site-index">
<main id="content">
{readme_opening()}
<h2>This site</h2>
<p>Every notebook of the course as a page, with its figures, tables and animated views: press
&#9654; on a view to play the run, drag its time slider to scrub it. No Python runs here: the
predictions and exercises are answered in JupyterLab (download the notebooks, then
<code>make lab</code> in the course's folder; <code>make test</code> checks it all). The
<a href="lab.html">Lab</a> and the Lab of notebook 00 answer their main controls from runs
made when the site was built.</p>
<h2 id="contents">Contents</h2>
<ol class="statelab-site-contents">
{rows}
</ol>
</main>
</body>
</html>
"""
    (out / "index.html").write_text(page, encoding="utf-8")


# -- the build ------------------------------------------------------------------------


def write_grid(grid: grids.Grid, runs: Path) -> int:
    """Simulate every cell of ``grid`` into ``runs/<grid>/``; return how many."""
    folder = runs / grid.name
    folder.mkdir(parents=True, exist_ok=True)
    count = 0
    for values in grid.values():
        key, data = grids.simulate_cell(grid, values)
        (folder / f"{key}.js").write_text(grids.run_file(grid, key, data), encoding="ascii")
        count += 1
    return count


def build(out: Path, jobs: int = 2, say=print) -> dict:
    """Build the site into ``out`` (emptied first, if it is a site made before or empty);
    return what was built and how long each part took (seconds).

    Raises
    ------
    SiteError
        When ``out`` holds other files, or what the site takes from ``node_modules`` or
        the installed anywidget is missing (the message says what to run).
    """
    began = time.perf_counter()
    if out.exists() and any(out.iterdir()) and not (out / "site.json").exists():
        raise SiteError(
            f"{out} holds files and is not a site made by make site (no site.json): "
            "refusing to empty it; give another --output"
        )
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    copy_assets(out / "static")
    paths = course()
    (out / "notebooks").mkdir()
    for path in paths:
        shutil.copy(path, out / "notebooks" / path.name)
    originals = {p.stem: nbformat.read(p, as_version=4) for p in paths}
    for path in paths:
        _check_no_math(path, originals[path.stem])

    def run(path: Path):
        if path.stem in NOT_RUN:
            return originals[path.stem]
        return execute(path)

    def write_grids() -> dict[str, int]:
        grid_began = time.perf_counter()
        written = {
            name: write_grid(factory(), out / "runs") for name, factory in grids.GRIDS.items()
        }
        timings["grids"] = time.perf_counter() - grid_began
        return written

    timings = {}
    with ThreadPoolExecutor(max(1, jobs)) as pool:
        executed = {p.stem: pool.submit(run, p) for p in paths}
        # the grids are simulated in this process beside the notebooks' kernels, but one job
        # is one process at a time (make test's other tests keep the other core busy)
        counts = write_grids() if jobs > 1 else None
        notebooks = {stem: future.result() for stem, future in executed.items()}
    timings["notebooks"] = time.perf_counter() - began
    if counts is None:
        counts = write_grids()
    pages = []
    for path in paths:
        notebook = notebooks[path.stem]
        name = path.stem
        pages.append(
            {
                "name": name,
                "href": f"{name}.html",
                "title": title_of(notebook),
                "minutes": minutes_of(notebook),
                "note": "(shown, not run: it starts real servers)" if name in NOT_RUN else "",
            }
        )
    for index, path in enumerate(paths):
        name = path.stem
        notebook = notebooks[name]
        grid = grids.GRIDS.get(name)
        lab = prepare(notebook, lab_config(grid(), moments=name == "lab") if grid else None)
        prune(notebook)
        if name in NOT_RUN:
            banner = (
                f"This notebook is shown, not run: {NOT_RUN[name]} on your machine, which a "
                "page cannot. Run it in JupyterLab (make lab) to see its numbers."
            )
        elif lab:
            banner = (
                "A page of the course, run when the site was made. The Lab below answers its "
                "main controls from runs made then; every other cell runs in JupyterLab."
            )
        else:
            banner = (
                "A page of the course, run when the site was made: play and scrub the views. "
                "To change a cell and run it, open the notebook in JupyterLab."
            )
        neighbours = (
            pages[index - 1] if index > 0 else None,
            pages[index + 1] if index + 1 < len(pages) else None,
        )
        write_page(notebook, name, out, neighbours, lab, banner)
        pages[index]["views"] = views_shown(notebook)
        pages[index]["live_lab"] = lab
    write_index(out, pages)
    timings["all"] = time.perf_counter() - began
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    built = {"pages": pages, "runs": counts, "bytes": size, "seconds": timings}
    (out / "site.json").write_text(json.dumps(built, indent=1), encoding="utf-8")
    say(
        f"statelab: the site is in {out} ({len(pages) + 1} pages, "
        f"{sum(counts.values())} runs of the Labs, {size / 1e6:.1f} MB) in {timings['all']:.0f} s; "
        f"serve it with `python -m http.server -d {out}` or open {out / 'index.html'}"
    )
    return built


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m statelab.site", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--output", type=Path, default=ROOT / "site", help="the site's folder (default: site/)"
    )
    parser.add_argument("--jobs", type=int, default=2, help="notebooks run at once (default: 2)")
    args = parser.parse_args(argv)
    try:
        build(args.output, jobs=args.jobs)
    except SiteError as error:
        print(f"statelab: make site: {error}", file=sys.stderr)
        return 1
    return 0
