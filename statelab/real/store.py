"""The shared session store of a real run: where a cart lives with ``state="store"``.

With store state no node keeps a cart. Every request calls the store twice: once when it
arrives (a store that is down answers 503 at once, as the simulation's store call fails),
and once when its work is done, to apply its item (read, change, write back, in one
transaction). Any node finds any cart, before or after a crash of a node; only the store
going down loses them, and only if it does not persist its sessions.

Two real stores, one interface (:class:`SessionStore`):

- :class:`SqliteStore`: a database file shared by the nodes, a fresh connection per call,
  opened read-write only if the file is there (``mode=rw``): a file moved away during an
  outage makes every call a :class:`StoreDown`.
- :class:`RedisStore`: a ``redis-server`` on a unix socket; a killed or hung server makes
  every call a :class:`StoreDown` within the socket timeout (1 s).

A cart, as stored, is a small dict: ``{"items": <items in the cart>, "applied": [<request
numbers applied to it>]}`` (the request numbers are the idempotency keys' memory).

Outages, for the controller: :func:`start_redis` starts a Redis server (with an
append-only file synced on every write when ``persistent``); :func:`sqlite_outage_begin`
and :func:`sqlite_outage_end` take the SQLite file away and bring it back (or, not
persistent, bring back an empty store: every cart is gone).
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

from statelab.real.procs import require_program, wait_for_unix_socket
from statelab.real.timeouts import BUSY_TIMEOUT_MS, REDIS_START_TIMEOUT, REDIS_TIMEOUT

#: The longest path of a unix socket (sockaddr_un's sun_path, with its closing NUL).
MAX_SOCKET_PATH = 107
#: Where a SQLite file goes during an outage: its path with this suffix.
AWAY = ".away"

Cart = dict
Change = Callable[["Cart | None"], Cart]


class StoreDown(Exception):
    """The session store did not answer: the node answers 503."""


class SessionStore:
    """Where carts live with store state: ``get`` and ``put`` by session id.

    Every method raises :class:`StoreDown` when the store is unavailable.
    """

    def get(self, session: str) -> Cart | None:
        """The session's cart, or None if the store has none."""
        raise NotImplementedError

    def put(self, session: str, cart: Cart) -> None:
        """Store ``cart`` as the session's cart."""
        raise NotImplementedError

    def update(self, session: str, change: Change) -> tuple[Cart | None, Cart]:
        """Read the session's cart, ``change`` it (None: none stored) and write back the result.

        Returns (the cart before, the cart after). This default is a get and a put; the real
        stores do both in one transaction, so two attempts of one request never both miss
        each other's item.
        """
        before = self.get(session)
        after = change(before)
        self.put(session, after)
        return before, after

    def close(self) -> None:
        """Let go of connections (nothing to do by default)."""


def _load(text: str | bytes | None) -> Cart | None:
    return None if text is None else json.loads(text)


def _dump(cart: Cart) -> str:
    return json.dumps(cart, separators=(",", ":"))


# -- SQLite --------------------------------------------------------------------------------

_SCHEMA = "CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, cart TEXT)"


def create_sqlite_store(path: str | os.PathLike) -> Path:
    """Make an empty session store at ``path`` (a SQLite file with the ``sessions`` table).

    The file is written under a temporary name and moved into place, so a node never opens
    a file without the table. Returns the path.
    """
    path = Path(path)
    if not path.parent.is_dir():
        raise ValueError(
            f"sqlite store path {str(path)!r}: its folder does not exist; give a file in an "
            "existing folder"
        )
    fresh = path.with_name(path.name + ".new")
    fresh.unlink(missing_ok=True)
    connection = sqlite3.connect(fresh)
    try:
        connection.execute("PRAGMA journal_mode=DELETE")  # a rollback journal
        connection.execute(_SCHEMA)
        connection.commit()
    finally:
        connection.close()
    Path(str(path) + "-journal").unlink(missing_ok=True)  # a stale journal must not apply
    os.replace(fresh, path)
    return path


class SqliteStore(SessionStore):
    """Carts in a SQLite file, table ``sessions(id TEXT PRIMARY KEY, cart TEXT)``.

    A fresh connection per call, opened with ``mode=rw``: the file must be there (it is
    never created here), so while an outage keeps it away every call raises
    :class:`StoreDown`. Writers wait up to :data:`BUSY_TIMEOUT_MS` for each other.

    A rollback journal, and no ``fsync`` (``synchronous=OFF``): a write is in the operating
    system's hands when the call returns, so a node or store that is killed loses nothing;
    only a crash of the machine itself could, and that is not what a run plays. An fsync
    per write would double the CPU time of every request on a machine of two cores.
    """

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path).absolute()
        self._uri = self.path.as_uri() + "?mode=rw"

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(
            self._uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None
        )
        connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        connection.execute("PRAGMA synchronous=OFF")  # see the class's docstring
        return connection

    def get(self, session: str) -> Cart | None:
        try:
            connection = self._connect()
            try:
                row = connection.execute(
                    "SELECT cart FROM sessions WHERE id = ?", (session,)
                ).fetchone()
            finally:
                connection.close()
        except sqlite3.Error as error:
            raise StoreDown(f"sqlite store {self.path}: {error}") from None
        return None if row is None else _load(row[0])

    def put(self, session: str, cart: Cart) -> None:
        self.update(session, lambda _before: cart)

    def update(self, session: str, change: Change) -> tuple[Cart | None, Cart]:
        try:
            connection = self._connect()
            try:
                connection.execute("BEGIN IMMEDIATE")
                row = connection.execute(
                    "SELECT cart FROM sessions WHERE id = ?", (session,)
                ).fetchone()
                before = None if row is None else _load(row[0])
                after = change(before)
                connection.execute(
                    "INSERT OR REPLACE INTO sessions (id, cart) VALUES (?, ?)",
                    (session, _dump(after)),
                )
                connection.execute("COMMIT")
            finally:
                connection.close()  # an open transaction is rolled back
        except sqlite3.Error as error:
            raise StoreDown(f"sqlite store {self.path}: {error}") from None
        return before, after


def sqlite_outage_begin(path: str | os.PathLike, persistent: bool) -> None:
    """Take the store at ``path`` away: the file (and its journal) moves to ``path.away``.

    From now on every call of every node raises :class:`StoreDown`. ``persistent`` is
    used at the end (:func:`sqlite_outage_end`); the file is moved away either way.
    """
    path = Path(path)
    if not path.exists():
        raise ValueError(f"sqlite store {str(path)!r} is not there: no store to take down")
    os.replace(path, str(path) + AWAY)
    journal = Path(str(path) + "-journal")
    if journal.exists():
        os.replace(journal, str(path) + AWAY + "-journal")


def sqlite_outage_end(path: str | os.PathLike, persistent: bool) -> None:
    """Bring the store back: ``persistent``, the same file, every cart in it; not
    persistent, an empty store (every cart is gone, as a store that kept them in memory)."""
    path = Path(path)
    away = Path(str(path) + AWAY)
    away_journal = Path(str(away) + "-journal")
    if persistent:
        if not away.exists():
            raise ValueError(
                f"sqlite store {str(path)!r} has no file away ({str(away)!r}): "
                "sqlite_outage_begin was not called"
            )
        if away_journal.exists():
            os.replace(away_journal, str(path) + "-journal")
        os.replace(away, path)
    else:
        away.unlink(missing_ok=True)
        away_journal.unlink(missing_ok=True)
        create_sqlite_store(path)


def sqlite_hang_begin(path: str | os.PathLike) -> sqlite3.Connection:
    """Hang the store at ``path``: hold its file with an exclusive lock (``BEGIN
    EXCLUSIVE``), so every call of every node waits for it, up to its busy timeout. Returns
    the connection that holds it, for :func:`sqlite_hang_end`."""
    connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    try:
        connection.execute("BEGIN EXCLUSIVE")
    except BaseException:
        connection.close()
        raise
    return connection


def sqlite_hang_end(connection: sqlite3.Connection) -> None:
    """Let the store go again: the waiting calls go on, nothing was changed."""
    try:
        connection.execute("ROLLBACK")
    finally:
        connection.close()


# -- Redis ---------------------------------------------------------------------------------


class RedisStore(SessionStore):
    """Carts in a Redis server on a unix socket, under the keys ``cart:<session>``.

    :data:`REDIS_TIMEOUT` seconds per call, no retry after a timeout: a killed server fails
    at once (nothing listens on the socket), a hung one within the timeout; both are
    :class:`StoreDown`.
    """

    def __init__(self, socket_path: str | os.PathLike) -> None:
        # imported here, not at the top: redis-py takes about 0.3 s to import, and every
        # node process imports this module; a node that keeps its carts elsewhere (memory,
        # SQLite) starts, and a crashed node restarts, without that wait
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        self._errors = (redis.ConnectionError, redis.TimeoutError, OSError)
        self._watch_error = redis.WatchError
        self.socket_path = str(socket_path)
        self._client = redis.Redis(
            unix_socket_path=self.socket_path,
            socket_timeout=REDIS_TIMEOUT,
            socket_connect_timeout=REDIS_TIMEOUT,
            # one retry, only for a connection error: a connection the pool kept from before
            # a restart of the server fails once, and its retry connects afresh
            retry=Retry(NoBackoff(), 1, supported_errors=(redis.ConnectionError,)),
        )

    @staticmethod
    def _key(session: str) -> str:
        return f"cart:{session}"

    def get(self, session: str) -> Cart | None:
        try:
            return _load(self._client.get(self._key(session)))
        except self._errors as error:
            raise StoreDown(f"redis store {self.socket_path}: {error}") from None

    def put(self, session: str, cart: Cart) -> None:
        try:
            self._client.set(self._key(session), _dump(cart))
        except self._errors as error:
            raise StoreDown(f"redis store {self.socket_path}: {error}") from None

    def update(self, session: str, change: Change) -> tuple[Cart | None, Cart]:
        key = self._key(session)
        try:
            with self._client.pipeline() as pipe:
                for _ in range(20):  # bounded: another attempt of this session wrote first
                    try:
                        pipe.watch(key)
                        before = _load(pipe.get(key))
                        after = change(before)
                        pipe.multi()
                        pipe.set(key, _dump(after))
                        pipe.execute()
                        return before, after
                    except self._watch_error:
                        continue
        except self._errors as error:
            raise StoreDown(f"redis store {self.socket_path}: {error}") from None
        raise StoreDown(f"redis store {self.socket_path}: cart {session!r} kept changing")

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._client.close()


def start_redis(group, workdir: str | os.PathLike, persistent: bool) -> str:
    """Start ``redis-server`` in ``group`` on a unix socket in ``workdir``; return its path.

    No TCP port and no snapshots; ``persistent``: an append-only file in ``workdir``,
    synced on every write, so a restarted server has every cart; not persistent: nothing
    on disk, a restarted server is empty. Syncing every write (``appendfsync always``) is
    unusual in production, where Redis's default ``everysec`` may lose the last second of
    writes when the server dies; here a real second is many model seconds (ten at time
    scale 0.1) and a ``StoreOutage`` kills the server, so ``everysec`` would lose carts the
    model's persistent store keeps. Waits (bounded) until the socket answers.
    Starting it again with the same ``workdir`` restarts it on the same socket.
    """
    workdir = Path(workdir).absolute()
    if not workdir.is_dir():
        raise ValueError(f"start_redis workdir {str(workdir)!r} is not a folder")
    socket_path = workdir / "redis.sock"
    if len(os.fsencode(socket_path)) > MAX_SOCKET_PATH:
        raise ValueError(
            f"start_redis workdir {str(workdir)!r}: the socket path {str(socket_path)!r} is "
            f"{len(os.fsencode(socket_path))} bytes; a unix socket path has at most "
            f"{MAX_SOCKET_PATH}: use a shorter folder"
        )
    socket_path.unlink(missing_ok=True)  # a killed server's socket: wait for the new one
    argv = [
        str(require_program("redis-server")),
        "--port", "0",
        "--unixsocket", str(socket_path),
        "--unixsocketperm", "700",
        "--save", "",
        "--dir", str(workdir),
        "--daemonize", "no",
        "--logfile", "",
    ]  # fmt: skip
    if persistent:
        argv += ["--appendonly", "yes", "--appendfsync", "always"]
    else:
        argv += ["--appendonly", "no"]
    group.start("redis", argv, ready=False)
    wait_for_unix_socket(socket_path, REDIS_START_TIMEOUT)
    return str(socket_path)
