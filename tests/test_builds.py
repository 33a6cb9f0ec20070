"""The build-it exercises (statelab.course.builds) through the judge (the course's, with
no run to show: tests/test_judge.py checks the runs), as the notebooks run them: each stub
fails with a message that says what broke, each worked solution passes, and each plausible
wrong solution is caught with the counter-example its message names; every exercise is in
its notebook (the stub as the cell's code, the judge's call, hints, and the pointer to its
solution)."""

from __future__ import annotations

import json

import pytest
from conftest import ROOT

from statelab.course.builds import BUILDS, define
from statelab.course.judge import judge
from statelab.exercises import solution

NOTEBOOKS = {p.name[:2]: p for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")}


def cells(build_id: str) -> list[dict]:
    notebook = json.loads(NOTEBOOKS[build_id[:2]].read_text(encoding="utf-8"))
    return [{"type": c["cell_type"], "source": "".join(c["source"])} for c in notebook["cells"]]


@pytest.mark.parametrize("build_id", BUILDS)
def test_the_stub_fails_and_says_what_broke(build_id):
    build = BUILDS[build_id]
    verdict = judge(define(build.stub, build.name), build.task)
    assert not verdict.passed
    assert verdict.counterexample, verdict.message  # a case the learner can try


@pytest.mark.parametrize("build_id", BUILDS)
def test_the_worked_solution_passes(build_id):
    build = BUILDS[build_id]
    verdict = judge(define(build.solution, build.name), build.task)
    assert verdict.passed, verdict.message
    assert solution(build_id) is build and build.solution in build._repr_markdown_()


@pytest.mark.parametrize(
    ("build_id", "wrong"), [(b, i) for b, build in BUILDS.items() for i in range(len(build.wrong))]
)
def test_each_plausible_wrong_solution_is_caught_with_its_counterexample(build_id, wrong):
    build = BUILDS[build_id]
    code, why = build.wrong[wrong]
    verdict = judge(define(code, build.name), build.task)
    assert not verdict.passed, why
    case = verdict.counterexample
    assert case, verdict.message
    named = [str(case[k]) for k in ("key", "shopper") if k in case]
    named += [f"{case['share']:.1%}"] if "share" in case else []
    named += [str(v) for v in case.get("cart", [])[-1:]]
    if "requests" in case:
        named.append(case["requests"][-1]["key"])
    assert named and all(n in verdict.message for n in named), (verdict.message, named)


@pytest.mark.parametrize("build_id", BUILDS)
def test_each_build_is_in_its_notebook_with_hints_and_its_solution(build_id):
    build = BUILDS[build_id]
    found = cells(build_id)
    code = [i for i, c in enumerate(found) if c["type"] == "code" and build.stub in c["source"]]
    assert len(code) == 1, f"{build_id}: the stub is the code of one cell"
    assert f'judge({build.name}, "{build.task}")' in found[code[0]]["source"]
    before = " ".join(c["source"] for c in found[code[0] - 2 : code[0]])
    assert f"Build it {build_id}" in before and "<summary>Hint" in before
    after = found[code[0] + 1]["source"]
    assert f'solution("{build_id}")' in after
