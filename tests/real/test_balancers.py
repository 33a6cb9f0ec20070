"""The real load balancers: the embedded proxy and HAProxy, driven by the same commands.

The nodes here are small stand-ins (an aiohttp app that answers with its node number), so
these tests do not depend on the real server. HAProxy tests are skipped when HAProxy is not
installed, unless STATELAB_REQUIRE_REAL=1.
"""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import threading
import time
from collections import Counter

import pytest

from statelab.real import balancers
from statelab.real.haproxy import haproxy_config, parse_log
from statelab.real.nginx import nginx_config
from statelab.real.procs import ProcessGroup, ProgramMissing, free_port, require_program
from statelab.real.proxy import Router, nginx_ip_hash, proxy_config
from statelab.real.registry import BALANCERS, make_balancer
from statelab.real.registry import check as real_check
from statelab.real.timeouts import check_interval
from statelab.sim.events import ScaleTo
from statelab.sim.scenario import Scenario

STAND_IN = r"""
import asyncio, sys
from aiohttp import web
node = int(sys.argv[1])

async def items(request):
    await request.read()
    answer = web.json_response(
        {"node": node, "cookie": request.headers.get("Cookie", "")},
        headers={"X-Statelab-Node": str(node)},
    )
    answer.set_cookie("cart", f"from{node}")
    return answer

async def health(request):
    return web.Response(text="ok")

async def main():
    app = web.Application()
    app.router.add_post("/carts/{session}/items", items)
    app.router.add_get("/health", health)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    print("READY", site._server.sockets[0].getsockname()[1], flush=True)
    await asyncio.Event().wait()

asyncio.run(main())
"""

#: 200 client addresses; the third octet varies (nginx's ip_hash reads three octets) and so
#: does the last (HAProxy's map-based source hash is the whole address modulo the servers).
CLIENTS = [f"127.0.{x}.{1 + (x * 37) % 250}" for x in range(1, 201)]


#: The balancers with health checks, a runtime API and cookie stickiness (nginx has none of
#: the three in its open-source edition).
WITH_CHECKS = ["embedded", "haproxy"]


def program_or_skip(program: str) -> None:
    try:
        require_program(program)
    except ProgramMissing:
        if os.environ.get("STATELAB_REQUIRE_REAL") == "1":
            raise
        pytest.skip(f"{program} is not installed: apt install {program}")


def haproxy_or_skip() -> None:
    program_or_skip("haproxy")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A process group with four stand-in nodes (more are started with ``cluster.node``)."""
    workdir = tmp_path_factory.mktemp("lb")
    script = workdir / "stand_in.py"
    script.write_text(STAND_IN)

    class Cluster:
        def __init__(self, group):
            self.group = group
            self.count = 0

        def node(self, k: int):
            self.count += 1
            return group.start(f"node{k}-{self.count}", [sys.executable, str(script), str(k)])

    with ProcessGroup(workdir) as group:
        cluster = Cluster(group)
        cluster.nodes = {k: cluster.node(k) for k in range(4)}
        yield cluster


@pytest.fixture
def balancer(cluster, tmp_path):
    """``balancer(kind, scenario, nodes)``: a started balancer; stopped after the test."""
    made = []

    def start(kind, scenario, nodes=(0, 1, 2), ports=None, time_scale=1.0, **options):
        if kind in ("haproxy", "nginx"):
            program_or_skip(kind)
        workdir = tmp_path / f"b{len(made)}"
        workdir.mkdir()
        b = make_balancer(kind, scenario, cluster.group, workdir, time_scale, **options)
        b.start({k: cluster.nodes[k].port for k in nodes} if ports is None else ports)
        made.append(b)
        return b

    yield start
    for b in made:
        if b.child is not None:
            b.child.kill()


def ask(b, cookie=None, client="127.0.0.1", path="/carts/1/items"):
    """One POST through balancer ``b`` from ``client``: (status, node or None, cookies set)."""
    connection = http.client.HTTPConnection(
        "127.0.0.1", b.port, timeout=5, source_address=(client, 0)
    )
    try:
        headers = {"Content-Type": "application/json"}
        if cookie:
            headers["Cookie"] = cookie
        connection.request("POST", path, body=b'{"request": 1}', headers=headers)
        answer = connection.getresponse()
        answer.read()
        node = answer.headers.get("X-Statelab-Node")
        cookies = answer.headers.get_all("Set-Cookie") or []
        return answer.status, None if node is None else int(node), cookies
    finally:
        connection.close()


def server_id(cookies) -> str | None:
    for cookie in cookies:
        if cookie.startswith("SERVERID="):
            return cookie.split(";")[0]
    return None


# -- configuration ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [
        {"balancer": "round_robin", "affinity": "none"},
        {"balancer": "random", "affinity": "sticky"},
        {"balancer": "least_connections", "affinity": "sticky", "health_check_delay": 2.0},
        {"balancer": "two_choices", "affinity": "none"},
        {"affinity": "source_hash"},
        {"affinity": "consistent_hash", "vnodes": 160},
    ],
)
def test_haproxy_config_passes_haproxy_check(changes, tmp_path):
    haproxy_or_skip()
    scenario = Scenario(events=(ScaleTo(nodes=5, at=10.0),), **changes)
    text = haproxy_config(scenario, 0.5, 18000, {0: 18001, 1: 18002, 2: 18003}, "/tmp/x.sock")
    path = tmp_path / "haproxy.cfg"
    path.write_text(text)
    checked = subprocess.run(
        [require_program("haproxy"), "-c", "-f", str(path)],
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "retries 0" in text and "redispatch" not in text.replace("no 'option redispatch'", "")
    servers = [line.split()[:3] for line in text.splitlines() if line.startswith("    server ")]
    assert [s[1] for s in servers] == ["s0", "s1", "s2", "s3", "s4"]
    assert sum("disabled" in line for line in text.splitlines() if "server s" in line) == 2
    # every delay / 3 model seconds (HAProxy's 2 s where it is 0), scaled: fall 3 in the delay
    inter = max(20, round((scenario.health_check_delay / 3 or 2.0) * 0.5 * 1000))
    assert f"check inter {inter} fall 3 rise 2" in text
    if scenario.affinity == "sticky":
        assert "cookie SERVERID insert indirect nocache" in text and "cookie s4" in text
    if scenario.affinity == "consistent_hash":
        assert "hash-type consistent" in text and "weight 10" in text
    # HAProxy's plain 'balance random' draws 2 (the power of two choices): uniform random is
    # random(1); both draw on a ring, even only with many points a server (weight >= 64)
    draws = {"random": "random(1)", "two_choices": "random(2)"}.get(scenario.balancer)
    if draws and scenario.affinity not in ("source_hash", "consistent_hash"):
        assert f"balance {draws} " in text and "weight 64" in text
        assert "balance random " not in text


def test_haproxy_httplog_lines_are_read_with_the_attempts_id():
    """Two request lines of ``option httplog`` (a refused one, a redispatched one whose retry
    count HAProxy marks with +) and a health check's message, which is not a request."""
    text = "\n".join(
        [
            "127.0.0.5:40000 [05/Dec/2026:15:00:00.123] shop be/s1 0/0/-1/-1/1002 503 217 - - "
            'SCVN 3/3/0/0/3 0/0 {12.3.1} "POST /carts/12/items HTTP/1.1"',
            "127.0.0.6:40001 [05/Dec/2026:15:00:00.200] shop be/s2 0/0/0/4/205 200 180 - - "
            '--VI 3/3/1/1/+2 0/0 {13.0.1} "POST /carts/13/items HTTP/1.1"',
            "[WARNING]  (77) : Server be/s1 is DOWN, reason: Layer4 connection problem",
        ]
    )
    refused, redispatched = parse_log(text)
    assert refused["request_id"] == "12.3.1" and refused["server"] == "s1"
    assert (refused["status"], refused["termination_state"]) == (503, "SCVN")
    assert (refused["retries"], refused["redispatched"], refused["Tc"]) == (3, False, -1)
    assert redispatched["request_id"] == "13.0.1" and redispatched["server"] == "s2"
    assert (redispatched["retries"], redispatched["redispatched"]) == (2, True)
    assert (redispatched["Tr"], redispatched["Ta"]) == (4, 205)


def test_policies_haproxy_lacks_and_unknown_balancers_are_refused(tmp_path):
    group = ProcessGroup(tmp_path)
    with pytest.raises(ValueError, match=r"embedded.*source_hash"):
        make_balancer("haproxy", Scenario(affinity="ip_hash"), group, tmp_path, 0.2)
    with pytest.raises(ValueError, match=r"replicated.*embedded"):
        make_balancer("haproxy", Scenario(state="replicated"), group, tmp_path, 0.2)
    with pytest.raises(ValueError, match=r"'traefik'.*'embedded'.*'haproxy'.*'nginx'"):
        make_balancer("traefik", Scenario(), group, tmp_path, 0.2)
    assert check_interval(0.0, 0.2) == pytest.approx(0.4)  # HAProxy's inter 2 s, scaled
    assert check_interval(1.5, 0.2) == pytest.approx(0.1)
    assert check_interval(0.01, 0.2) == 0.020  # at least 20 ms
    with pytest.raises(ValueError, match=r"balancer_retries must be a whole number 0 to 10"):
        make_balancer("embedded", Scenario(), group, tmp_path, 0.2, balancer_retries=11)
    with pytest.raises(ValueError, match=r"redispatch=True .* needs balancer_retries"):
        make_balancer("haproxy", Scenario(), group, tmp_path, 0.2, redispatch=True)


# -- the router's rules, without processes -----------------------------------------------------


def router(**changes) -> Router:
    scenario = Scenario(**changes)
    return Router(proxy_config(scenario, 0.2, {k: 9000 + k for k in range(scenario.nodes)}))


def test_least_connections_and_two_choices_pick_the_less_busy():
    r = router(balancer="least_connections", affinity="none")
    for slot, load in zip(r.slots, (3, 0, 2), strict=True):
        slot.in_flight = load
    assert {r.route("127.0.0.1", None).index for _ in range(10)} == {1}
    r = router(balancer="two_choices", affinity="none")
    for slot, load in zip(r.slots, (5, 5, 0), strict=True):
        slot.in_flight = load
    picks = Counter(r.route("127.0.0.1", None).index for _ in range(300))
    assert picks[2] > 150  # node 2 wins whenever it is drawn: 2 pairs of 3
    assert picks[0] + picks[1] > 50


def test_nginx_ip_hash_and_replicated_fail_over():
    # hash = 89; per octet hash = (hash * 113 + octet) % 6271
    value = 89
    for octet in (127, 0, 5):
        value = (value * 113 + octet) % 6271
    assert nginx_ip_hash("127.0.5.9", 4, lambda i: True) == value % 4
    assert nginx_ip_hash("127.0.5.9", 4, lambda i: False) is None
    r = router(state="replicated", nodes=4)
    r.slots[1].up = False
    assert r.route("127.0.0.1", 1).index == 2  # the peer: the next live node by number
    r.slots[2].up = False
    assert r.route("127.0.0.1", 1).index == 3
    assert router(nodes=4).route("127.0.0.1", 1).index == 1


# -- both balancers, with stand-in nodes -------------------------------------------------------


#: The chi-square statistic with 2 degrees of freedom (three servers) that uniform draws
#: exceed once in a thousand runs: -2 ln(0.001) = 13.8.
CHI_SQUARE_2_DOF_0_001 = 13.8


@pytest.mark.parametrize("kind", ["haproxy", "nginx"])
def test_a_balancer_whose_port_was_taken_starts_again_on_another(kind, balancer, monkeypatch):
    """free_port() finds a port free, but does not hold it: here another process takes it
    (bound, not listening) before the balancer binds it. The balancer exits saying the
    address is in use, and is started again on a new port."""
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    asked = []

    def port_then_free():
        asked.append(None)
        return taken.getsockname()[1] if len(asked) == 1 else free_port()

    monkeypatch.setattr(balancers, "free_port", port_then_free)
    try:
        b = balancer(kind, Scenario(balancer="round_robin", affinity="none"))
        assert len(asked) == 2 and b.port != taken.getsockname()[1]
        assert ask(b)[0] == 200
    finally:
        taken.close()


def test_haproxy_random_1_draws_each_server_alike(balancer):
    """``balance random(1)`` with weight 64 a server (1,024 points on HAProxy's ring): 3,000
    requests over three servers are uniform within a chi-square bound (p = 0.001). Plain
    ``random`` would draw two and take the less busy (two choices); at weight 1 the shares
    are visibly uneven."""
    b = balancer("haproxy", Scenario(balancer="random", affinity="none"))
    assert "balance random(1)" in b.config_text and "weight 64" in b.config_text
    counts: Counter = Counter()
    lock = threading.Lock()

    def shop(n: int) -> None:
        for _ in range(n):
            status, node, _ = ask(b)
            with lock:
                counts[(status, node)] += 1

    threads = [threading.Thread(target=shop, args=(750,)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sum(counts.values()) == 3000 and {status for status, _ in counts} == {200}, counts
    observed = [counts[(200, node)] for node in (0, 1, 2)]
    expected = 3000 / 3
    statistic = sum((o - expected) ** 2 / expected for o in observed)
    assert statistic < CHI_SQUARE_2_DOF_0_001, (observed, statistic)


@pytest.mark.parametrize("kind", list(BALANCERS))
def test_round_robin_spreads_requests_evenly(kind, balancer):
    b = balancer(kind, Scenario(balancer="round_robin", affinity="none"))
    answers = [ask(b) for _ in range(30)]
    assert {status for status, _, _ in answers} == {200}
    assert Counter(node for _, node, _ in answers) == {0: 10, 1: 10, 2: 10}
    assert all(server_id(cookies) is None for _, _, cookies in answers)


@pytest.mark.parametrize("kind", WITH_CHECKS)
def test_sticky_session_stays_until_its_node_is_in_maint(kind, balancer, cluster):
    b = balancer(kind, Scenario(affinity="sticky"))
    status, home, cookies = ask(b, cookie="cart=abc")
    pin = server_id(cookies)
    assert status == 200 and pin == f"SERVERID=s{home}"
    assert f"cart=from{home}" in " ".join(cookies)  # the node's own cookie passes through
    for _ in range(6):
        status, node, again = ask(b, cookie=f"{pin}; cart=abc")
        assert (status, node, server_id(again)) == (200, home, None)
    b.maint(home)
    status, moved, cookies = ask(b, cookie=f"{pin}; cart=abc")
    assert status == 200 and moved != home
    assert server_id(cookies) == f"SERVERID=s{moved}"
    assert ask(b, cookie=server_id(cookies))[1] == moved
    b.set_node(home, cluster.nodes[home].port)
    assert ask(b, cookie=server_id(cookies))[1] == moved  # still pinned to the new node


@pytest.mark.parametrize("kind", WITH_CHECKS)
def test_a_draining_node_keeps_its_sticky_sessions_but_gets_no_new_ones(kind, balancer):
    b = balancer(kind, Scenario(affinity="sticky"))
    pins = {}
    for _ in range(6):
        _, node, cookies = ask(b)
        pins[node] = server_id(cookies)
    assert set(pins) == {0, 1, 2}
    b.drain(1)
    for _ in range(3):
        assert ask(b, cookie=pins[1])[:2] == (200, 1)
    new = Counter(ask(b)[1] for _ in range(20))
    assert set(new) == {0, 2}
    b.ready(1)
    assert 1 in Counter(ask(b)[1] for _ in range(6))


def nodes_of_clients(b) -> list[int]:
    answers = [ask(b, client=client) for client in CLIENTS]
    assert {status for status, _, _ in answers} == {200}
    return [node for _, node, _ in answers]


@pytest.mark.parametrize(
    ("kind", "affinity", "moved"),
    [
        *((kind, "source_hash", 0.75) for kind in WITH_CHECKS),  # nginx has no map-based hash
        *((kind, "consistent_hash", 0.25) for kind in BALANCERS),
    ],
)
def test_a_fourth_node_moves_most_clients_map_based_and_few_on_a_ring(
    kind, affinity, moved, balancer, cluster
):
    scenario = Scenario(affinity=affinity, events=(ScaleTo(nodes=4, at=10.0),))
    b = balancer(kind, scenario)
    before = nodes_of_clients(b)
    assert nodes_of_clients(b) == before  # the same client, the same node
    assert len(set(before)) == 3
    b.set_node(3, cluster.nodes[3].port)
    after = nodes_of_clients(b)
    share = sum(x != y for x, y in zip(before, after, strict=True)) / len(CLIENTS)
    assert share == pytest.approx(moved, abs=0.12), (kind, affinity, share)
    assert 0.12 < Counter(after)[3] / len(CLIENTS) < 0.40
    if affinity == "consistent_hash":  # a client moves only to the new node
        assert all(y in (x, 3) for x, y in zip(before, after, strict=True))


@pytest.mark.parametrize("kind", ["embedded", "nginx"])
def test_ip_hash_a_node_down_moves_only_its_clients_and_they_come_back(kind, balancer, cluster):
    """nginx's ip_hash, real and emulated (with nginx's failure handling): a dead node's
    clients go elsewhere, the others stay, and all come back with it. No health checks: with
    a retry, the request that finds the node dead goes on to another server, and the node
    stays out for fail_timeout."""
    victim = cluster.node(1)
    scenario = Scenario(affinity="ip_hash")
    options = {"balancer_retries": 1, "redispatch": True}
    ports = {0: cluster.nodes[0].port, 1: victim.port, 2: cluster.nodes[2].port}
    b = balancer(kind, scenario, ports=ports, **options)
    before = nodes_of_clients(b)
    assert 0.2 < Counter(before)[1] / len(CLIENTS) < 0.46
    victim.kill()
    time.sleep(3 * b.inter + 0.3)
    during = nodes_of_clients(b)
    moved = [x != y for x, y in zip(before, during, strict=True)]
    assert sum(moved) / len(CLIENTS) == pytest.approx(1 / 3, abs=0.12)
    assert all(x == 1 for x, m in zip(before, moved, strict=True) if m)  # only its clients
    comeback = cluster.node(1)
    b.set_node(1, comeback.port)
    assert nodes_of_clients(b) == before


def test_the_embedded_ip_hash_is_nginxs_own(balancer, cluster):
    """The same 200 clients, the same three servers: the embedded proxy's ip_hash sends each
    to the server real nginx sends it to (nginx's formula over the first three octets)."""
    scenario = Scenario(affinity="ip_hash")
    assert nodes_of_clients(balancer("embedded", scenario)) == nodes_of_clients(
        balancer("nginx", scenario)
    )


@pytest.mark.parametrize(
    "changes",
    [
        {"balancer": "round_robin", "affinity": "none"},
        {"balancer": "random", "affinity": "none"},
        {"balancer": "least_connections", "affinity": "none"},
        {"balancer": "two_choices", "affinity": "none"},
        {"affinity": "ip_hash"},
        {"affinity": "consistent_hash", "vnodes": 320},
    ],
)
def test_nginx_config_passes_nginx_t(changes, tmp_path):
    program_or_skip("nginx")
    scenario = Scenario(events=(ScaleTo(nodes=5, at=10.0),), **changes)
    text = nginx_config(scenario, 0.5, 18000, {0: 18001, 1: 18002, 2: 18003}, tmp_path)
    path = tmp_path / "nginx.conf"
    path.write_text(text)
    checked = subprocess.run(
        [require_program("nginx"), "-t", "-p", str(tmp_path), "-e", str(tmp_path / "e.log"),
         "-c", str(path)],
        capture_output=True, text=True, timeout=20,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stdout + checked.stderr
    method = {
        "random": "random;",
        "least_connections": "least_conn;",
        "two_choices": "random two least_conn;",
    }.get(scenario.balancer)
    if scenario.affinity == "ip_hash":
        method = "ip_hash;"
    elif scenario.affinity == "consistent_hash":
        method = "hash $remote_addr consistent;"
        assert "weight=2" in text  # 320 points: 2 x nginx's 160 a weight
    if method:
        assert f"        {method}" in text
    assert "proxy_next_upstream off;" in text  # no retries asked: a refused request fails
    assert text.count("max_fails=1 fail_timeout=5s") == 3  # nginx's 10 s, at scale 0.5
    with_retries = nginx_config(scenario, 0.5, 18000, {0: 18001}, tmp_path, retries=2)
    assert "proxy_next_upstream error timeout;" in with_retries
    assert "proxy_next_upstream_tries 3;" in with_retries


def test_nginx_refuses_what_it_lacks_saying_what_to_use(tmp_path):
    group = ProcessGroup(tmp_path)
    for changes, says in [
        ({"affinity": "sticky"}, r"nginx Plus.*'haproxy' or 'embedded'"),
        ({"affinity": "source_hash"}, r"map-based.*'ip_hash' or 'consistent_hash'"),
        ({"state": "replicated", "affinity": "ip_hash"}, r"replicated.*'embedded'"),
        (
            {"affinity": "ip_hash", "events": (ScaleTo(2, at=5.0, drain=3.0, mode="sticky"),)},
            r"in_flight",
        ),
    ]:
        with pytest.raises(ValueError, match=says):
            make_balancer("nginx", Scenario(**changes), group, tmp_path, 0.2)
    with pytest.raises(ValueError, match=r"needs redispatch=True"):
        real_check(Scenario(), 0.2, "nginx", "sqlite", "detected", 2, False)


def test_nginx_reload_on_scale_out_keeps_serving(balancer, cluster):
    """A scale-out under nginx is a new configuration and a reload: requests sent all the
    while are every one answered, and the new node takes its share after."""
    b = balancer("nginx", Scenario(affinity="none", events=(ScaleTo(4, at=5.0),)))
    answers: list = []
    done = threading.Event()

    def shop():
        while not done.is_set():
            answers.append(ask(b)[:2])

    shoppers = [threading.Thread(target=shop) for _ in range(4)]
    for thread in shoppers:
        thread.start()
    time.sleep(0.3)
    b.set_node(3, cluster.nodes[3].port)
    time.sleep(0.3)
    done.set()
    for thread in shoppers:
        thread.join(timeout=10)
    assert len(answers) > 40 and {status for status, _ in answers} == {200}, Counter(answers)
    assert 3 in {node for _, node in answers[-20:]}
    assert f"127.0.0.1:{cluster.nodes[3].port}" in b.config_text


@pytest.mark.parametrize("kind", WITH_CHECKS)
def test_a_killed_node_fails_its_requests_until_the_health_check_takes_it_out(
    kind, balancer, cluster
):
    victim = cluster.node(0)
    scenario = Scenario(affinity="sticky", health_check_delay=1.0)  # inter: 1/3 s at scale 1
    b = balancer(
        kind, scenario, ports={0: victim.port, 1: cluster.nodes[1].port, 2: cluster.nodes[2].port}
    )
    assert b.inter == pytest.approx(1 / 3)
    pin = None
    for _ in range(3):
        _, node, cookies = ask(b)
        if node == 0:
            pin = server_id(cookies)
    assert pin == "SERVERID=s0"
    victim.kill()
    killed = time.monotonic()
    status, node, _ = ask(b, cookie=pin)
    # three failed checks in a row take it out, the first within an interval of the kill: a
    # request answered within two intervals was sent while the balancer still trusted it
    assert time.monotonic() - killed < 2 * b.inter
    assert status in (502, 503) and node is None  # not retried on another node
    time.sleep(max(0.0, killed + 3 * b.inter + 0.5 - time.monotonic()))
    answers = [ask(b) for _ in range(12)] + [ask(b, cookie=pin) for _ in range(3)]
    assert {status for status, _, _ in answers} == {200}
    assert {node for _, node, _ in answers} == {1, 2}


@pytest.mark.parametrize("kind", WITH_CHECKS)
def test_retries_with_redispatch_hide_a_crash_the_checks_have_not_seen(kind, balancer, cluster):
    """A request pinned to a killed node that the checks still trust: with retries and
    redispatch it succeeds on another node, pinned there now (its cart is not there: lost
    without a failure); without, it fails with 503, HAProxy's refused connection."""
    victim = cluster.node(0)
    ports = {0: victim.port, 1: cluster.nodes[1].port, 2: cluster.nodes[2].port}
    scenario = Scenario(affinity="sticky", health_check_delay=30.0)  # inter: 1 s at scale 0.1
    retrying = balancer(
        kind, scenario, ports=ports, time_scale=0.1, balancer_retries=2, redispatch=True
    )
    plain = balancer(kind, scenario, ports=ports, time_scale=0.1)
    assert "option redispatch" in retrying.config_text and "retries 2" in retrying.config_text
    pin = "SERVERID=s0"
    assert ask(retrying, cookie=pin)[:2] == (200, 0) and ask(plain, cookie=pin)[:2] == (200, 0)
    victim.kill()
    killed = time.monotonic()
    status, node, cookies = ask(retrying, cookie=pin)
    assert status == 200 and node in (1, 2), (status, node)
    assert server_id(cookies) == f"SERVERID=s{node}"
    status, node, _ = ask(plain, cookie=pin)
    assert status == 503 and node is None
    # both answered while the checks still trusted node 0 (out no sooner than 2 intervals)
    assert time.monotonic() - killed < 2 * retrying.inter


@pytest.mark.parametrize("kind", WITH_CHECKS)
def test_no_node_up_is_503_and_unknown_commands_are_refused(kind, balancer, cluster):
    b = balancer(kind, Scenario(affinity="none"), nodes=())
    assert ask(b)[0] == 503
    answer = b.command("frobnicate the servers")
    assert "Unknown command" in answer
    assert b.command("set server be/s7 state ready") != ""
    with pytest.raises(RuntimeError, match="refused"):
        b._do("set server be/s0 state sideways")
    with pytest.raises(ValueError, match="s0 to s2"):
        b.maint(3)
    b.set_node(0, cluster.nodes[0].port)
    assert ask(b)[:2] == (200, 0)
    b.maint(0)
    assert ask(b)[0] == 503
