"""The animated view for a learner who cannot see it or uses no mouse, in JupyterLab and Voila.

Checks, called by the tests that open these pages anyway (test_animated_browser's crash view
in JupyterLab, test_course's Lab in Voila).

With the keyboard only (no mouse event at all): Tab reaches the view, Space plays and
pauses, the arrows scrub 1 s (Shift: 10 s), Home and End jump, F and ] follow a shopper, and
the notebook never takes these keys (the focus stays in the view, no cell is added or
selected). With a screen reader's eyes: every control has a name, the canvas is an image
whose name says the moment, and the live region (``role="log"``) tells the crash, the carts
it took and the shoppers who find their cart gone: the same numbers the picture draws (the
root's ``statelabState`` hook). When the system asks for reduced motion the view plays a
still a second.
"""

from __future__ import annotations

import re
import time

from browser import pages
from browser.pages import LABEL, label, seconds

ROOT = pages.VIEW


def view(page):
    """The page's first animated view (the Lab's, on a page that also shows Compare)."""
    return page.locator(ROOT).first


def log_lines(page) -> list[str]:
    return view(page).locator("[role=log] p").all_inner_texts()


def wait_log(page, pattern: str, timeout: float = 20.0) -> str:
    """The first line of the live region that matches ``pattern``, waiting for it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in log_lines(page):
            if re.search(pattern, line):
                return line
        time.sleep(0.05)
    raise AssertionError(f"the live region never said {pattern!r}; it says {log_lines(page)}")


def wait_time(page, seconds_wanted: float, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if abs(seconds(label(page)) - seconds_wanted) < 0.05:
            return
        time.sleep(0.02)
    raise AssertionError(f"the view is at {label(page)!r}, not {seconds_wanted} s")


def focus_in_view(page) -> bool:
    return page.evaluate(
        "() => !!document.activeElement && !!document.activeElement.closest('.statelab-anim')"
    )


def count_mouse_events(page) -> None:
    page.evaluate(
        """() => {
            window.statelabMouse = 0;
            for (const kind of ['mousedown', 'mouseup', 'click', 'pointerdown']) {
                document.addEventListener(kind, (e) => { if (e.isTrusted) window.statelabMouse++; },
                                          true);
            }
        }"""
    )


def tab_to_canvas(page) -> None:
    """Tab from the view's first control to its canvas (the keys' help says what to press)."""
    view(page).locator(".sa-play").focus()  # focus, not a click: no mouse event
    for _ in range(8):
        if page.evaluate("() => document.activeElement?.tagName") == "CANVAS":
            return
        page.keyboard.press("Tab")
    raise AssertionError("Tab never reached the canvas")


def walk_through(page) -> None:
    """Play, pause, scrub, jump and follow with the keys alone; check what the screen and
    the live region say at each step."""
    count_mouse_events(page)
    tab_to_canvas(page)
    page.keyboard.press("Home")
    wait_time(page, 0.0)
    for _ in range(5):
        page.keyboard.press("Shift+ArrowRight")
    for _ in range(9):
        page.keyboard.press("ArrowRight")
    wait_time(page, 59.0)
    page.keyboard.press("ArrowLeft")
    wait_time(page, 58.0)
    assert focus_in_view(page), "the notebook took the arrow keys"

    # play through the crash: the live region tells it with the carts the picture held
    carts_before = view(page).evaluate("root => root.statelabState(59.999).carts[1]")
    page.keyboard.press("Space")
    crashed = wait_log(page, r"^60 s: node 1 crashed")
    assert crashed == f"60 s: node 1 crashed; the {carts_before} carts in its memory are gone"
    found = wait_log(page, r"shoppers? found (its|their) cart gone \(crash\)")
    page.keyboard.press("Space")
    assert not view(page).evaluate("root => root.classList.contains('sa-playing')")
    so_far = int(re.search(r"(\d+) carts? lost to crash so far", found).group(1))
    at = view(page).evaluate(
        "(root, text) => root.statelabNarration().find((line) => line.text === text).at", found
    )
    assert view(page).evaluate(f"root => root.statelabState({at}).lost_by_cause.crash") == (so_far)
    assert len(log_lines(page)) <= 5

    # the canvas's name says the moment, in the words the label shows
    # (a frame after the pause renames it: wait until the two agree, at most 2 s)
    agree = (
        "root => { const m = /t = ([\\d.]+) s/.exec(root.querySelector('" + LABEL + "').innerText);"
        " return [root.querySelector('canvas').getAttribute('aria-label'), m && Number(m[1])]; }"
    )
    deadline = time.monotonic() + 2.0
    name, shown = view(page).evaluate(agree)
    while not name.startswith(f"Animated run at {shown:g} s") and time.monotonic() < deadline:
        time.sleep(0.05)
        name, shown = view(page).evaluate(agree)
    assert name.startswith(f"Animated run at {shown:g} s of 120 s: 2 of 3 nodes up"), (name, shown)

    # End: once it settles, the region says where the view is, with the whole run's losses
    page.keyboard.press("End")
    wait_time(page, 120.0)
    now = wait_log(page, r"^Now at 120 s of 120 s")
    lost = view(page).evaluate("root => root.statelabState(120).sessions_lost")
    assert now.endswith(f"{lost} carts lost so far"), now

    # F follows the next shopper to lose a cart (from the start: Home first)
    page.keyboard.press("Home")
    wait_time(page, 0.0)
    page.keyboard.press("f")
    followed = wait_log(page, r"^Following shopper #\d+, who loses their cart at")
    k = int(re.search(r"#(\d+)", followed).group(1))
    page.wait_for_function(
        f"() => document.querySelector('.statelab-anim .sa-caption').innerText"
        f".includes('Following shopper #{k}')"
    )
    page.keyboard.press("Escape")
    wait_log(page, r"^Stopped following")
    assert focus_in_view(page)
    assert page.evaluate("() => window.statelabMouse") == 0


def check_by_keyboard_and_screen_reader_in_jupyterlab(page) -> None:
    """The walk through (keys only), then what JupyterLab and a screen reader see: no key
    reached the notebook, every control's name, "describe this moment", reduced motion.
    Called by test_animated_browser's test of the crash view, on the page it opened (a
    notebook opened for this alone cost 8 s of the 8-minute budget)."""
    cells_before = page.locator(".jp-Cell").count()
    walk_through(page)
    # the notebook saw none of it: no cell added, and the active cell is the view's own
    # (focus in an output activates its cell; an arrow the notebook took would move on)
    assert page.locator(".jp-Cell").count() == cells_before
    active = page.evaluate(
        """() => {
            const cells = [...document.querySelectorAll('.jp-Cell')];
            return [cells.findIndex(c => c.classList.contains('jp-mod-active')),
                    cells.findIndex(c => c.querySelector('.statelab-anim'))];
        }"""
    )
    assert active[0] == active[1], active

    # every control has a name (what a screen reader announces)
    tree = view(page).aria_snapshot()
    for role, name in [
        ("button", "Play"),
        ("combobox", "speed"),
        ("slider", "time in the run"),
        ("button", "Describe this moment"),
        ("img", "Animated run at"),
        ("log", "what happens in the run"),
    ]:
        assert re.search(rf"- '?{role} \"{re.escape(name)}", tree), f"no {role} {name!r} in\n{tree}"

    # "describe this moment", for every learner: the same words as the canvas's name
    view(page).locator(".sa-describe-button").focus()
    page.keyboard.press("Enter")
    text = view(page).locator(".sa-describe").inner_text()
    assert text.startswith("At 0 s of 120 s: 3 of 3 nodes up.")
    assert view(page).locator(".sa-describe-button").get_attribute("aria-expanded") == "true"

    # the learner's system asks for less motion: the view plays a still a second
    assert view(page).get_attribute("data-reduced-motion") == "false"
    page.emulate_media(reduced_motion="reduce")
    page.wait_for_function(
        "() => document.querySelector('.statelab-anim').dataset.reducedMotion === 'true'"
    )
    view(page).locator("canvas").focus()
    page.keyboard.press("Space")
    seen = set()
    deadline = time.monotonic() + 2.5
    while time.monotonic() < deadline:
        seen.add(page.locator(LABEL).inner_text())
        time.sleep(0.03)
    page.keyboard.press("Space")
    times = sorted(seconds(text) for text in seen)
    assert len(times) >= 2, times
    assert all(t == int(t) for t in times), f"frames between whole seconds: {times}"


def walk_in_voila(page) -> None:
    """The walk through in Voila, on the Lab's view once it shows node 1's crash at 60 s
    (called by test_course's Voila test of the Lab, on the page it opened)."""
    walk_through(page)


def lost_by(page, t: float, causes: tuple[str, ...]) -> int:
    """Carts the view's state at ``t`` counts as lost to ``causes``."""
    return view(page).evaluate(
        "(root, [t, causes]) => { const by = root.statelabState(t).lost_by_cause;"
        " return causes.reduce((n, c) => n + (by[c] || 0), 0); }",
        [t, list(causes)],
    )


def tell_a_scale_out_as_it_plays(page, message: str) -> None:
    """After the Lab's "Scale to 6 now" (the view rewound 5 s before it): Space plays
    through it, and the live region says it (with the keys the new hash moved, where the
    affinity hashes); the message line's count of carts lost after it is the view's count."""
    at = float(re.search(r"scales to 6 nodes at ([\d.]+) s", message).group(1))
    tab_to_canvas(page)
    page.keyboard.press("Space")
    wait_log(page, rf"^{at:g} s: scale to 6 nodes$")
    page.keyboard.press("Space")
    for line in view(page).evaluate("root => root.statelabNarration().map((l) => l.text)"):
        if hashed := re.search(r"(\d+) of (\d+) shoppers' keys moved, (\d+)%", line):
            moved, keys, share = map(int, hashed.groups())
            assert 0 < moved <= keys and share == round(100 * moved / keys), line
    moves = ("rehash", "no_affinity", "scale_in")
    end = 1e9  # the state at the run's end (statelabState clamps the time)
    after = lost_by(page, end, moves) - lost_by(page, at, moves)
    said = re.search(r"(\d+) carts? lost after it|no cart is lost to it", message)
    assert said, message
    assert int(said.group(1) or 0) == after, (message, after)


def tell_a_store_outage_when_scrubbed(page, message: str) -> None:
    """After the Lab's "Store outage now" (the view rewound 5 s before it): Shift+Right
    jumps 10 s, past its start, and once the view settles the live region tells the outage
    and where the view is; the message line's "no cart lost" is the view's count."""
    at = float(re.search(r"down ([\d.]+)–", message).group(1))
    tab_to_canvas(page)
    page.keyboard.press("Shift+ArrowRight")
    wait_log(page, rf"^{at:g} s: the session store goes down for 15 s; requests that need it fail")
    now = wait_log(page, rf"^Now at {at + 5:g} s of ")
    end = 1e9
    assert "no cart lost (it keeps carts on disk)" in message, message
    assert lost_by(page, end, ("store_outage",)) == 0
    lost = view(page).evaluate(f"root => root.statelabState({at + 5}).sessions_lost")
    assert now.endswith(f"{lost} carts lost so far"), now
