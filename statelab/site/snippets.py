"""The snippets a notebook's text tells the learner to type, such as ``solution("00-1")``.

The site's build runs them after the notebook, in its kernel, and fails on any error or
warning they show (then leaves them off the page); so do the notebook tests (with nbclient)
and the browser tests (as cells of their own after the notebook's, in JupyterLab).
"""

from __future__ import annotations

import ast
import re


def _literal(node: ast.expr) -> bool:
    try:
        value = ast.literal_eval(node)
    except ValueError:
        return False
    return value is not Ellipsis


def snippets(notebook) -> list[str]:
    """The inline code of the markdown that a learner can type as is: a call with literal
    arguments, such as ``solution("00-1")`` or ``Scenario.load("crash")``.

    Left out: placeholders (``solution(...)``), methods named without their object
    (``summary()``), and calls on names the text only describes (``simulate(scenario)``).
    """
    found = []
    for cell in notebook["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        for code in re.findall(r"`([^`\n]+)`", source):
            try:
                call = ast.parse(code, mode="eval").body
            except SyntaxError:
                continue
            if not isinstance(call, ast.Call):
                continue
            arguments = [*call.args, *(keyword.value for keyword in call.keywords)]
            typed = arguments and all(_literal(argument) for argument in arguments)
            if typed and code not in found:
                found.append(code)
    return found
