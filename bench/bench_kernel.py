"""Benchmark: the Lab's update inside a real Jupyter kernel against the same in a plain process.

Issue 16 measured ``simulate`` at about twice its plain-process time inside the kernel of
the browser benchmark. This tells the two apart at the same moment of the machine: it
starts a kernel (``jupyter_client``), shows a Lab there and moves its main controls with
comm messages, exactly as the page sends them (the update then runs from the kernel's
event loop, as in the page); in turns, the same changes are made in this process, with
no kernel (as ``bench_lab.py`` does). Each update is timed in wall time and in the main
thread's CPU time (``time.thread_time``); their difference is time the thread was ready
but not running (other processes, or other threads holding the GIL). Inside the kernel
the time spent in the garbage collector during each update is measured too.

What it showed (2 shared cores): at the same load the kernel runs ``simulate`` as fast as
a plain process (within a few percent); wall time above CPU time comes and goes with the
machine's load, not with the kernel (a switch interval of 1 s, which keeps the kernel's
own threads off the GIL, changes nothing). So the "twice as slow" of the browser
benchmark is CPU taken by the browser and the Jupyter server, which run on the same
cores while the kernel simulates. Now and then an update also pays a full garbage
collection (50 to 120 ms, in either process: it walks every object the process holds).

Run with ``python bench/bench_kernel.py [rounds]``.
"""

from __future__ import annotations

import json
import statistics
import sys
import textwrap
import time
from pathlib import Path

from jupyter_client.manager import start_new_kernel

ROOT = Path(__file__).resolve().parents[1]
ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 10
#: control name in Lab.controls -> the values set in turn (dropdowns: as the page sends
#: them, an option's index)
CHANGES = {
    "nodes": ({"value": 4}, {"value": 3}),
    "arrival_rate": ({"value": 5.5}, {"value": 5.0}),
    "workers": ({"value": 5}, {"value": 4}),
    "affinity": ({"index": 0}, {"index": 1}),  # none, sticky
    "state": ({"index": 2}, {"index": 0}),  # store, server
    "crash_node": ({"index": 2}, {"index": 0}),  # node 1, none
}

#: Runs in the kernel and in this process alike: a Lab whose updates are timed.
SETUP = textwrap.dedent(
    """\
    import gc, json, time
    from statelab.dashboards import animated as _animated
    from statelab.widgets import Lab

    lab = Lab()
    _runs, _now, _gcs = [], {}, []
    gc.callbacks.append(lambda phase, info: _gcs.append(time.perf_counter()))

    def _timed(name, function):
        def timed(*args, **kwargs):
            wall, cpu = time.perf_counter(), time.thread_time()
            value = function(*args, **kwargs)
            _now[name] = ((time.perf_counter() - wall) * 1e3, (time.thread_time() - cpu) * 1e3)
            return value
        return timed

    lab._simulate = _timed("simulate", lab._simulate)
    _animated.payload = _timed("payload", _animated.payload)
    _apply = _timed("update", lab._apply)

    def _timed_apply():
        _now.clear()
        _gcs.clear()
        _apply()
        _now["gc"] = sum(b - a for a, b in zip(_gcs[::2], _gcs[1::2])) * 1e3
        _runs.append(dict(_now))

    lab._apply = _timed_apply
    """
)


def in_kernel(rounds: int) -> list[dict]:
    kernel, client = start_new_kernel(kernel_name="python3", cwd=str(ROOT))

    def execute(code: str) -> str | None:
        msg_id = client.execute(code)
        printed = None
        while True:
            message = client.get_iopub_msg(timeout=300)
            if message["parent_header"].get("msg_id") != msg_id:
                continue
            kind = message["msg_type"]
            if kind == "stream":
                printed = message["content"]["text"]
            elif kind == "error":
                raise RuntimeError("\n".join(message["content"]["traceback"]))
            elif kind == "status" and message["content"]["execution_state"] == "idle":
                return printed

    try:
        execute(SETUP + "display(lab)")
        ids = json.loads(
            execute(f"print(json.dumps({{n: lab.controls[n].model_id for n in {list(CHANGES)}}}))")
        )
        for count in range(rounds):
            for name, states in CHANGES.items():
                state = states[count % 2]
                data = {"method": "update", "state": state, "buffer_paths": []}
                client.shell_channel.send(
                    client.session.msg("comm_msg", {"comm_id": ids[name], "data": data})
                )
                while True:  # the view's new run: the comm message with the payload's bytes
                    message = client.get_iopub_msg(timeout=60)
                    if message["msg_type"] == "comm_msg" and len(message.get("buffers") or []) > 1:
                        break
                execute("pass")  # the kernel is idle again
        return json.loads(execute("print(json.dumps(_runs))"))
    finally:
        client.stop_channels()
        kernel.shutdown_kernel(now=True)


def in_process(rounds: int) -> list[dict]:
    space: dict = {"display": lambda _: None}
    exec(SETUP, space)
    lab = space["lab"]

    def value(name: str, state: dict):
        return lab.controls[name].options[state["index"]] if "index" in state else state["value"]

    values = {name: [value(name, s) for s in states] for name, states in CHANGES.items()}
    for count in range(rounds):
        for name in CHANGES:
            lab.controls[name].value = values[name][count % 2]
            lab.wait()
    return space["_runs"]


def main() -> None:
    seen: dict[str, list[dict]] = {"kernel": [], "process": []}
    begin = time.perf_counter()
    for _ in range(2):  # in turns, to share the machine's moments
        seen["kernel"] += in_kernel(ROUNDS)
        seen["process"] += in_process(ROUNDS)
    print(
        f"The Lab's update in a kernel and in a plain process ({2 * ROUNDS} changes a control "
        f"each, {time.perf_counter() - begin:.0f} s); ms, min / median; wall | main-thread CPU"
    )
    for where, runs in seen.items():
        print(f"  {where}")
        for i, name in enumerate(CHANGES):
            rows = runs[i :: len(CHANGES)]

            def both(key: str, j: int, rows=rows) -> str:
                values = [r[key][j] for r in rows]
                return f"{min(values):5.1f} / {statistics.median(values):5.1f}"

            gc = [r["gc"] for r in rows]
            print(
                f"    {name:12s} simulate {both('simulate', 0)} | {both('simulate', 1)}   "
                f"payload {both('payload', 0)}   update {both('update', 0)} | "
                f"{both('update', 1)}   gc median {statistics.median(gc):4.1f} max {max(gc):5.1f}"
            )


if __name__ == "__main__":
    main()
