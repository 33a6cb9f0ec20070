"""The readout: a run's key numbers as one line of HTML, for people and browser tests.

The numbers reach the page before the picture (a text widget is cheap), and a browser
test reads them by their class names: ``lost``, ``failed``, ``p95``.
"""

from __future__ import annotations

import html

from statelab.sim.records import LOST_CAUSES
from statelab.sim.result import Result


def readout_html(result: Result, *, wrap: bool = True, title: str = "") -> str:
    """The key numbers of a run as one line of HTML: sessions lost (by cause), failed
    requests, p95 latency and utilisation, over the whole run after the warm-up (``title``,
    if given, goes first: "Whole run", beside a view that shows the numbers so far)."""
    summary = result.summary()
    causes = [
        f"{cause.replace('_', ' ')} {summary[f'sessions_lost_{cause}']}"
        for cause in LOST_CAUSES
        if summary[f"sessions_lost_{cause}"]
    ]
    lost = summary["sessions_lost"]
    p95 = summary["latency_p95"]
    parts = [
        f"<b>Sessions lost:</b> <span class='lost'>{lost}</span> of {summary['sessions']}"
        + (f" ({', '.join(causes)})" if causes else ""),
        f"<b>Failed requests:</b> <span class='failed'>{summary['failed']}</span>",
        f"<b>p95 latency:</b> <span class='p95'>{p95:.2f}</span> s"
        if p95 == p95
        else "<b>p95 latency:</b> none served",
        f"<b>Utilisation:</b> {summary['utilisation']:.0%}",
    ]
    line = " · ".join(parts)
    if title:
        line = f"<b>{html.escape(title)}</b> — {line}"
    return f"<div class='statelab-readout-line'>{line}</div>" if wrap else line


def message_html(kind: str, text: str, colour: str = "#B00020") -> str:
    """A short message under the controls: ``kind`` in bold, then ``text`` (escaped)."""
    return f"<div style='color:{colour}'><b>{html.escape(kind)}</b> {html.escape(text)}</div>"
