"""The embedded balancer: our own proxy (:mod:`statelab.real.proxy`) started as a process.

The proxy's process imports only :mod:`statelab.real.proxy`; this module is the parent's
side: it writes the proxy's configuration from the scenario, starts it in the run's process
group and drives it through the runtime API that :class:`~statelab.real.balancers.Balancer`
shares with HAProxy.
"""

from __future__ import annotations

import csv

from statelab.real import proxy
from statelab.real.balancers import Balancer
from statelab.real.procs import python_argv
from statelab.real.timeouts import BALANCER_START_TIMEOUT


class EmbeddedBalancer(Balancer):
    """Our own proxy, ``python -m statelab.real.proxy`` (see :mod:`statelab.real.proxy`)."""

    kind = "embedded"

    def start(self, ports: dict[int, int]) -> int:
        """Write ``proxy.json``, start the proxy with the nodes already running (``{node:
        port}``; the other slots wait in maint) and return the port it listens on."""
        ports = self._checked_ports(ports)
        config = proxy.proxy_config(
            self.scenario,
            self.time_scale,
            ports,
            retries=self.balancer_retries,
            redispatch=self.redispatch,
            log=self.log_path,
        )
        path = self.workdir / "proxy.json"
        proxy.write_config(config, path)
        child = self.group.start(
            "proxy",
            python_argv(
                "statelab.real.proxy", "--config", str(path), "--admin", str(self.admin_socket)
            ),
            timeout=BALANCER_START_TIMEOUT,
        )
        self.child = child
        self.port = child.port
        self.config_text = proxy.describe(config, self.port)
        return self.port

    def read_log(self) -> list[dict]:
        """The proxy's log of this run (``proxy.LOG_COLUMNS``), in HAProxy's words."""
        try:
            with open(self.log_path, newline="") as file:
                lines = list(csv.DictReader(file))
        except FileNotFoundError:
            return []
        rows = []
        for line in lines:
            if line.get("redispatched") is None:  # a line cut short by the end of the run
                continue
            rows.append(
                {
                    "request_id": line["request_id"],
                    "server": line["server"],
                    "status": int(line["status"]),
                    "termination_state": line["termination_state"],
                    "retries": int(line["retries"]),
                    "redispatched": line["redispatched"] == "1",
                }
            )
        return rows
