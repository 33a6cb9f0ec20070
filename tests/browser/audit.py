"""An automated accessibility audit (axe-core) of what our widgets put on the page.

Helpers, called by the tests of tests/browser/test_course.py on the pages they open anyway.

axe-core comes from the npm registry (``package.json``'s devDependencies, installed by
``make test``'s ``npm ci``; no CDN) and is injected into the page. Audited: the Lab, Compare
and the animated view in JupyterLab, and the presenter page (``make present``'s Voila page).
A serious or critical violation inside our outputs fails the test: everything our widgets
put there counts, the ipywidgets controls and the figures' images included. JupyterLab's own
chrome, outside the outputs, is audited too and printed, not failed: it is not ours to fix.
"""

from __future__ import annotations

import pytest
from conftest import ROOT as REPO

AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
#: What fails the audit: axe-core's two highest impacts.
FAILING = ("serious", "critical")
#: The rules of WCAG 2.1 A and AA, and axe's best practices.
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]

RUN = """async ([include, exclude, tags]) => {
    const result = await axe.run({include, exclude}, {runOnly: {type: 'tag', values: tags},
                                                      resultTypes: ['violations']});
    return result.violations.map((v) => ({
        id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.map((n) => ({target: n.target.join(' '), summary: n.failureSummary})),
    }));
}"""


def audit(page, include: list[str], exclude: list[str] | None = None) -> list[dict]:
    """axe-core's violations in the elements ``include`` selects (less ``exclude``)."""
    if not AXE.exists():
        pytest.fail(f"axe-core is not installed at {AXE}: run make test (its npm ci installs it)")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    return page.evaluate(RUN, [[[s] for s in include], [[s] for s in exclude or []], TAGS])


def failing(violations: list[dict]) -> list[dict]:
    return [v for v in violations if v["impact"] in FAILING]


def report(what: str, violations: list[dict]) -> str:
    lines = [f"{what}: {len(violations)} violation(s)"]
    for v in violations:
        lines.append(f"- [{v['impact']}] {v['id']}: {v['help']}")
        lines += [f"    {n['target']}: {n['summary']}" for n in v["nodes"][:6]]
    return "\n".join(lines)


#: Our outputs in a notebook: every output area that holds one of our widgets.
OURS = [
    ".jp-OutputArea-output:has(.statelab-lab)",
    ".jp-OutputArea-output:has(.statelab-compare)",
    ".jp-OutputArea-output:has(.statelab-anim)",
]


def assert_our_outputs_pass(page) -> None:
    """Audit our outputs on a JupyterLab page (failing on serious or critical violations)
    and report JupyterLab's own chrome (printed, not failed)."""
    ours = audit(page, OURS)
    print(report("our outputs in JupyterLab", ours))
    chrome = audit(page, ["body"], [".jp-OutputArea-output"])
    print(report("JupyterLab's own chrome (reported, not failed)", chrome))
    assert failing(ours) == [], report("our outputs in JupyterLab", failing(ours))


def assert_the_page_passes(page, what: str) -> None:
    """Audit the whole page (a Voila page is ours from top to bottom)."""
    found = audit(page, ["body"])
    print(report(what, found))
    assert failing(found) == [], report(what, failing(found))
