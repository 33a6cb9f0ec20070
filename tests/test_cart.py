"""The cart service of notebook 01, tried with hostile cookies and requests, retries and races.

The clock is injected (``now=``), so nothing here sleeps to make a cookie or a key expire.
Cookies signed over arbitrary bodies are made with the test's own HMAC (``signed``): what
only the holder of the key can make, to reach the checks that come after the signature.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time

import pytest

from statelab.cart import (
    COOKIE_LIMIT,
    COOKIE_NAME,
    IdempotencyStore,
    StatefulCartServer,
    StatelessCartHandler,
    cookie_size,
    tamper,
)

SECRET = bytes(range(32))  # a fixed key for the tests; real code: secrets.token_bytes(32)
OTHER_SECRET = bytes(range(1, 33))
T0 = 1_750_000_000  # when the test cookies are signed
DAY = 24 * 3600
MAX_AGE = 14 * DAY  # the handler's default


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def handler_at(when: float = T0, **options) -> StatelessCartHandler:
    return StatelessCartHandler(SECRET, now=lambda: when, **options)


def cookie(items=("book",), at: float = T0, secret: bytes = SECRET) -> str:
    return StatelessCartHandler(secret, now=lambda: at).write(list(items))


def signed(payload: bytes | str) -> str:
    """A cookie whose signature is right for ``payload``, whatever the payload is."""
    raw = payload.encode() if isinstance(payload, str) else payload
    body = base64.urlsafe_b64encode(raw).decode()
    digest = hmac.new(SECRET, body.encode(), hashlib.sha256).digest()
    return f"{body}.{base64.urlsafe_b64encode(digest).decode()}"


def signed_json(value: object) -> str:
    return signed(json.dumps(value))


def decoded(cookie_value: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(cookie_value.partition(".")[0]))


GOOD = cookie()
BODY, _, SIGNATURE = GOOD.partition(".")
OTHER_CHAR = "A" if SIGNATURE[0] != "A" else "B"
COUPON = cookie(["book", "coupon"])
FULL = cookie(["x" * 100] * 29)  # fits; one more such item does not
SIGNATURE_RULE = "signature does not match"
MALFORMED = "malformed cookie"
EXPIRED = "cookie expired"


def test_the_table_starts_from_a_good_cookie_and_a_full_one():
    assert handler_at().handle({"cookie": GOOD}) == {
        "status": 200,
        "cart": ["book"],
        "cookie": GOOD,
    }
    assert len(COOKIE_NAME) + 1 + len(FULL) <= COOKIE_LIMIT


# -- the table: hostile cookies and requests, and the status each gets --------------------

HOSTILE = [
    # (case, request, seconds after T0 when it arrives, status, words in the error)
    (
        "tampered signature",
        {"cookie": f"{BODY}.{OTHER_CHAR}{SIGNATURE[1:]}"},
        0,
        400,
        SIGNATURE_RULE,
    ),
    ("tampered body", {"cookie": tamper(GOOD, ["book", "free laptop"])}, 0, 400, SIGNATURE_RULE),
    ("signed with another key", {"cookie": cookie(secret=OTHER_SECRET)}, 0, 400, SIGNATURE_RULE),
    ("truncated", {"cookie": GOOD[:-5]}, 0, 400, MALFORMED),
    ("truncated at the dot", {"cookie": BODY}, 0, 400, MALFORMED),
    ("empty", {"cookie": ""}, 0, 400, MALFORMED),
    ("only a dot", {"cookie": "."}, 0, 400, MALFORMED),
    ("two dots", {"cookie": f"{BODY}.{SIGNATURE}.{SIGNATURE}"}, 0, 400, MALFORMED),
    ("non-ASCII", {"cookie": GOOD[:10] + "é" + GOOD[11:]}, 0, 400, MALFORMED),
    ("lone surrogate", {"cookie": "\ud800"}, 0, 400, MALFORMED),
    ("lone surrogate in a good cookie", {"cookie": GOOD + "\udcff"}, 0, 400, MALFORMED),
    ("NUL and control characters", {"cookie": "\x00\x01.\n"}, 0, 400, MALFORMED),
    ("huge, over the size limit", {"cookie": "A" * 5_000 + "." + SIGNATURE}, 0, 400, MALFORMED),
    ("not a string", {"cookie": 12345}, 0, 400, MALFORMED),
    ("a list", {"cookie": [GOOD]}, 0, 400, MALFORMED),
    ("bad base64", {"cookie": f"!!!!.{SIGNATURE}"}, 0, 400, MALFORMED),
    ("bad base64, signed", {"cookie": signed(b"x")[2:]}, 0, 400, MALFORMED),
    ("bad JSON, signed", {"cookie": signed("{not json")}, 0, 400, MALFORMED),
    ("not UTF-8, signed", {"cookie": signed(b"\xff\xfe\xfd")}, 0, 400, MALFORMED),
    ("a number", {"cookie": signed_json(42)}, 0, 400, MALFORMED),
    ("a string", {"cookie": signed_json("book")}, 0, 400, MALFORMED),
    ("a bare list (the old format)", {"cookie": signed_json(["book"])}, 0, 400, MALFORMED),
    ("null", {"cookie": signed_json(None)}, 0, 400, MALFORMED),
    ("an object without items", {"cookie": signed_json({"signed_at": T0})}, 0, 400, MALFORMED),
    ("an object without a time", {"cookie": signed_json({"items": []})}, 0, 400, MALFORMED),
    (
        "an extra field",
        {"cookie": signed_json({"items": [], "signed_at": T0, "admin": True})},
        0,
        400,
        MALFORMED,
    ),
    (
        "items not a list",
        {"cookie": signed_json({"items": "book", "signed_at": T0})},
        0,
        400,
        MALFORMED,
    ),
    (
        "items not strings",
        {"cookie": signed_json({"items": [1, None], "signed_at": T0})},
        0,
        400,
        MALFORMED,
    ),
    (
        "an empty item name",
        {"cookie": signed_json({"items": [""], "signed_at": T0})},
        0,
        400,
        MALFORMED,
    ),
    (
        "an item name too long",
        {"cookie": signed_json({"items": ["x" * 101], "signed_at": T0})},
        0,
        400,
        MALFORMED,
    ),
    (
        "an item name with a newline",
        {"cookie": signed_json({"items": ["bo\nok"], "signed_at": T0})},
        0,
        400,
        MALFORMED,
    ),
    (
        "a time that is not an integer",
        {"cookie": signed_json({"items": [], "signed_at": "yesterday"})},
        0,
        400,
        MALFORMED,
    ),
    (
        "a time that is true",
        {"cookie": signed_json({"items": [], "signed_at": True})},
        0,
        400,
        MALFORMED,
    ),
    (
        "a huge time",
        {"cookie": signed_json({"items": [], "signed_at": 10**400})},
        0,
        400,
        MALFORMED,
    ),
    (
        "signed an hour in the future",
        {"cookie": signed_json({"items": [], "signed_at": T0 + 3600})},
        0,
        400,
        MALFORMED,
    ),
    ("deeply nested JSON, signed", {"cookie": signed("[" * 3000 + "]" * 3000)}, 0, 400, MALFORMED),
    ("expired", {"cookie": GOOD}, MAX_AGE + 1, 400, EXPIRED),
    ("replayed after max_age", {"action": "view", "cookie": COUPON}, MAX_AGE + 60, 400, EXPIRED),
    (
        "replayed within max_age: accepted, a documented limit",
        {"action": "view", "cookie": COUPON},
        MAX_AGE,
        200,
        "",
    ),
    (
        "an add past the size limit",
        {"action": "add", "item": "x" * 100, "cookie": FULL},
        0,
        413,
        "would not fit in its cookie",
    ),
    ("not a dict request", "add book", 0, 400, "a request is a dict"),
    ("None as the request", None, 0, 400, "a request is a dict"),
    ("unknown action", {"action": "buy", "item": "book"}, 0, 400, "field 'action' is 'buy'"),
    ("an action that is not a string", {"action": ["add"]}, 0, 400, "field 'action'"),
    ("missing item", {"action": "add"}, 0, 400, "field 'item' is missing"),
    ("an empty item", {"action": "add", "item": ""}, 0, 400, "field 'item' is ''"),
    ("an item that is not a string", {"action": "remove", "item": 3}, 0, 400, "field 'item' is 3"),
    ("an item too long", {"action": "add", "item": "x" * 101}, 0, 400, "1 to 100"),
    ("an item with a surrogate", {"action": "add", "item": "\ud800"}, 0, 400, "field 'item'"),
    (
        "an idempotency key that is not a string",
        {"action": "add", "item": "book", "idempotency_key": 7},
        0,
        400,
        "field 'idempotency_key' is 7",
    ),
    (
        "an empty idempotency key",
        {"action": "add", "item": "book", "idempotency_key": ""},
        0,
        400,
        "field 'idempotency_key'",
    ),
]


def test_the_hostile_table_is_large_and_its_cases_are_distinct():
    assert len(HOSTILE) >= 25
    assert len({case for case, *_ in HOSTILE}) == len(HOSTILE)


@pytest.mark.parametrize(
    ("request_", "later", "status", "words"),
    [case[1:] for case in HOSTILE],
    ids=[case[0] for case in HOSTILE],
)
def test_a_hostile_cookie_or_request_gets_its_status_never_an_exception(
    request_, later, status, words
):
    response = handler_at(T0 + later).handle(request_)
    assert response["status"] == status, response
    if status == 200:
        assert response["cart"] == ["book", "coupon"]
    else:
        assert words in response["error"]
        assert "cookie" not in response  # the browser keeps the cookie it has


@pytest.mark.parametrize(
    ("request_", "words"),
    [
        ({"session": "alice", "action": "buy", "item": "book"}, "field 'action' is 'buy'"),
        ({"session": "alice", "action": "add"}, "field 'item' is missing"),
        ({"session": "alice", "action": "add", "item": ""}, "field 'item' is ''"),
        ({"action": "view"}, "field 'session' is missing"),
        ({"session": "", "action": "view"}, "field 'session' is ''"),
        ({"session": 17, "action": "view"}, "field 'session' is 17"),
        ({"session": "a" * 256}, "field 'session'"),
        ("add book", "a request is a dict"),
        ({"session": "alice", "action": "add", "item": "b", "idempotency_key": 1.5}, "key"),
    ],
)
def test_the_stateful_server_answers_a_bad_request_with_400_and_the_reason(request_, words):
    server = StatefulCartServer()
    response = server.handle(request_)
    assert response["status"] == 400 and words in response["error"]
    assert server.carts == {}


# -- the secret -------------------------------------------------------------------------


def test_there_is_no_default_secret():
    with pytest.raises(TypeError, match=r"needs secret=.*secrets\.token_bytes\(32\)"):
        StatelessCartHandler()


@pytest.mark.parametrize("secret", [b"", b"statelab-demo-secret", bytes(31)])
def test_a_secret_shorter_than_32_bytes_is_refused(secret):
    with pytest.raises(ValueError, match=rf"secret is {len(secret)} bytes.*at least 32"):
        StatelessCartHandler(secret)


def test_a_secret_that_is_not_bytes_is_refused():
    with pytest.raises(TypeError, match="secret must be bytes"):
        StatelessCartHandler("x" * 40)


def test_every_copy_with_the_same_secret_reads_the_cookie_and_no_other_does():
    assert StatelessCartHandler(SECRET).read(cookie(at=time.time())) == ["book"]
    other = StatelessCartHandler(OTHER_SECRET).handle({"cookie": cookie(at=time.time())})
    assert other["status"] == 400 and SIGNATURE_RULE in other["error"]


# -- time: the cookie carries when it was signed -------------------------------------------


def test_a_change_signs_the_cart_with_the_current_time():
    clock = Clock()
    handler = StatelessCartHandler(SECRET, now=clock)
    first = handler.handle({"action": "add", "item": "book"})["cookie"]
    clock.now += 3600.7
    second = handler.handle({"action": "add", "item": "lamp", "cookie": first})["cookie"]
    assert decoded(first) == {"items": ["book"], "signed_at": T0}
    assert decoded(second) == {"items": ["book", "lamp"], "signed_at": T0 + 3600}


def test_a_view_hands_the_cookie_back_as_it_came_so_it_does_not_renew_it():
    assert handler_at(T0 + MAX_AGE).handle({"cookie": GOOD})["cookie"] == GOOD
    assert EXPIRED in handler_at(T0 + MAX_AGE + 1).handle({"cookie": GOOD})["error"]


def test_max_age_is_a_parameter_and_14_days_by_default():
    assert StatelessCartHandler(SECRET).max_age == MAX_AGE
    short = handler_at(T0 + 61, max_age=60).handle({"cookie": GOOD})
    assert short["status"] == 400 and "expired: signed 61 s ago" in short["error"]
    with pytest.raises(ValueError, match="max_age"):
        StatelessCartHandler(SECRET, max_age=0)


def test_an_old_cookie_replayed_after_max_age_does_not_bring_back_a_removed_coupon():
    clock = Clock()
    handler = StatelessCartHandler(SECRET, now=clock)
    with_coupon = handler.handle({"action": "add", "item": "coupon", "cookie": GOOD})["cookie"]
    clock.now += 60
    handler.handle({"action": "remove", "item": "coupon", "cookie": with_coupon})
    clock.now = T0 + MAX_AGE + 61
    replayed = handler.handle({"action": "add", "item": "lamp", "cookie": with_coupon})
    assert replayed["status"] == 400 and EXPIRED in replayed["error"]


def test_an_old_cookie_replayed_within_max_age_is_accepted_a_documented_limit():
    clock = Clock()
    handler = StatelessCartHandler(SECRET, now=clock)
    with_coupon = handler.handle({"action": "add", "item": "coupon", "cookie": GOOD})["cookie"]
    clock.now += 60
    handler.handle({"action": "remove", "item": "coupon", "cookie": with_coupon})
    clock.now += DAY
    assert handler.handle({"cookie": with_coupon})["cart"] == ["book", "coupon"]


# -- size: what the browser keeps -------------------------------------------------------------


def test_the_limit_is_the_browsers_and_the_size_function_counts_what_the_handler_writes():
    assert COOKIE_LIMIT == 4096
    for items in ([], ["book"], ["café", "Bücher", "日本"], ["x" * 100] * 29):
        written = cookie(items)
        assert cookie_size(items, at=T0) == len(f"{COOKIE_NAME}={written}")


def test_the_largest_cart_that_fits_is_kept_and_one_character_more_is_refused_with_413():
    items = ["x" * 100] * 29
    last = max(n for n in range(1, 101) if cookie_size([*items, "y" * n], at=T0) <= COOKIE_LIMIT)
    assert cookie_size([*items, "y" * (last + 1)], at=T0) > COOKIE_LIMIT
    before = cookie(items)
    handler = handler_at()
    fits = handler.handle({"action": "add", "item": "y" * last, "cookie": before})
    assert fits["status"] == 200 and len(f"{COOKIE_NAME}={fits['cookie']}") <= COOKIE_LIMIT
    too_big = handler.handle({"action": "add", "item": "y" * (last + 1), "cookie": before})
    assert too_big["status"] == 413 and "4,096" in too_big["error"]
    assert too_big["cart"] == items and "cookie" not in too_big


def test_a_removal_from_a_full_cart_is_allowed():
    response = handler_at().handle({"action": "remove", "item": "x" * 100, "cookie": FULL})
    assert response["status"] == 200 and len(response["cart"]) == 28


# -- the stateless handler, as notebook 01 shows it -------------------------------------------


def test_the_stateless_handler_is_a_function_of_its_request_and_the_clock():
    request = {"action": "add", "item": "lamp", "cookie": GOOD}
    one, copy = handler_at(T0 + 5), handler_at(T0 + 5)
    assert one.handle(request) == one.handle(request) == copy.handle(request)
    assert one.handle(request)["cart"] == ["book", "lamp"]
    assert one.handle({"action": "remove", "item": "book", "cookie": GOOD})["cart"] == []


def test_a_retried_add_with_the_old_cookie_gives_the_same_cart_with_no_store():
    old = handler_at().handle({"action": "view"})["cookie"]
    attempt = handler_at(T0 + 1).handle({"action": "add", "item": "book", "cookie": old})
    retry = handler_at(T0 + 2).handle({"action": "add", "item": "book", "cookie": old})
    assert attempt["cart"] == retry["cart"] == ["book"]


def test_a_first_view_without_a_cookie_gets_an_empty_cart_and_a_cookie():
    response = handler_at().handle({"action": "view"})
    assert response["cart"] == [] and decoded(response["cookie"]) == {"items": [], "signed_at": T0}


def test_the_cookie_body_is_readable_by_anyone():
    assert decoded(cookie(["book", "lamp"]))["items"] == ["book", "lamp"]


# -- the stateful server and its idempotency keys ---------------------------------------------


def test_a_stateful_server_remembers_until_it_restarts():
    server = StatefulCartServer()
    server.handle({"session": "a", "action": "add", "item": "book"})
    assert server.handle({"session": "a"})["cart"] == ["book"]
    assert server.restart().handle({"session": "a"})["cart"] == []


def test_a_retry_adds_twice_without_an_idempotency_key_and_once_with_one():
    server = StatefulCartServer()
    add = {"session": "a", "action": "add", "item": "book"}
    server.handle(add)
    assert server.handle(add)["cart"] == ["book", "book"]
    keyed = {**add, "session": "b", "idempotency_key": "k1"}
    server.handle(keyed)
    assert server.handle(keyed)["cart"] == ["book"]
    assert server.carts["b"] == ["book"]


def test_the_same_key_with_another_payload_is_422_and_changes_nothing():
    server = StatefulCartServer()
    server.handle({"session": "a", "action": "add", "item": "book", "idempotency_key": "k"})
    for other in ({"action": "add", "item": "lamp"}, {"action": "remove", "item": "book"}):
        response = server.handle({"session": "a", **other, "idempotency_key": "k"})
        assert response["status"] == 422 and "first used with another request" in response["error"]
    assert server.carts["a"] == ["book"]


def test_a_key_belongs_to_its_session():
    server = StatefulCartServer()
    for session in ("a", "b"):
        server.handle({"session": session, "action": "add", "item": "book", "idempotency_key": "k"})
    assert server.carts == {"a": ["book"], "b": ["book"]}


def test_a_keyed_view_does_not_use_up_the_key_so_a_later_add_with_it_applies():
    server = StatefulCartServer()
    view = server.handle({"session": "a", "action": "view", "idempotency_key": "k"})
    assert view == {"status": 200, "cart": []}
    add = {"session": "a", "action": "add", "item": "book", "idempotency_key": "k"}
    assert server.handle(add) == {"status": 200, "cart": ["book"]}
    assert server.handle(add) == {"status": 200, "cart": ["book"]}
    assert server.carts["a"] == ["book"]


def test_a_request_refused_for_its_fields_does_not_use_up_the_key():
    server = StatefulCartServer()
    bad = server.handle({"session": "a", "action": "add", "item": "", "idempotency_key": "k"})
    assert bad["status"] == 400
    good = server.handle({"session": "a", "action": "add", "item": "book", "idempotency_key": "k"})
    assert good == {"status": 200, "cart": ["book"]}


def test_a_retry_gets_the_first_response_byte_for_byte_even_after_the_cart_changed():
    server = StatefulCartServer()
    add_book = {"session": "a", "action": "add", "item": "book", "idempotency_key": "k1"}
    first = json.dumps(server.handle(add_book))
    server.handle({"session": "a", "action": "add", "item": "lamp", "idempotency_key": "k2"})
    server.handle({"session": "a", "action": "add", "item": "mug"})
    assert json.dumps(server.handle(add_book)) == first == '{"status": 200, "cart": ["book"]}'
    assert server.carts["a"] == ["book", "lamp", "mug"]


def test_a_replayed_response_is_a_copy_the_caller_may_change():
    server = StatefulCartServer()
    add = {"session": "a", "action": "add", "item": "book", "idempotency_key": "k"}
    server.handle(add)["cart"].append("forged")
    server.handle(add)["cart"].append("forged")
    assert server.handle(add)["cart"] == ["book"] and server.carts["a"] == ["book"]


def test_keys_expire_after_the_ttl_24_hours_by_default():
    assert IdempotencyStore().ttl == DAY
    clock = Clock()
    store = IdempotencyStore(now=clock)
    server = StatefulCartServer(store)
    add = {"session": "a", "action": "add", "item": "book", "idempotency_key": "k"}
    server.handle(add)
    clock.now += DAY
    assert server.handle(add)["cart"] == ["book"]  # still remembered
    assert ("a", "k") in store
    clock.now += 1
    assert ("a", "k") not in store and len(store) == 0
    assert server.handle(add)["cart"] == ["book", "book"]  # a new request after the TTL


def test_the_size_cap_forgets_the_oldest_key_first():
    store = IdempotencyStore(max_keys=3)
    server = StatefulCartServer(store)

    def add(key):
        item = f"item-{key}"
        return server.handle(
            {"session": "a", "action": "add", "item": item, "idempotency_key": key}
        )

    for key in ("k1", "k2", "k3", "k4"):
        add(key)
    assert len(store) == 3
    assert ("a", "k1") not in store and ("a", "k2") in store and ("a", "k4") in store
    add("k2")  # remembered: not applied again
    assert server.carts["a"] == ["item-k1", "item-k2", "item-k3", "item-k4"]
    add("k1")  # forgotten: applied again
    assert server.carts["a"].count("item-k1") == 2
    assert ("a", "k2") not in store  # k1 came back as the newest, k2 was then the oldest


def test_a_change_that_fails_frees_its_key():
    store = IdempotencyStore()

    def fail():
        raise RuntimeError("the disk is full")

    with pytest.raises(RuntimeError):
        store.run("k", "same", fail)
    assert "k" not in store
    assert store.run("k", "same", lambda: {"status": 200}) == {"status": 200}


def test_the_store_refuses_settings_that_make_no_sense():
    with pytest.raises(ValueError, match="ttl"):
        IdempotencyStore(ttl=0)
    with pytest.raises(ValueError, match="max_keys"):
        IdempotencyStore(max_keys=0)


def test_a_restart_forgets_the_keys_with_the_carts():
    server = StatefulCartServer(IdempotencyStore(ttl=60))
    server.handle({"session": "a", "action": "add", "item": "book", "idempotency_key": "k"})
    restarted = server.restart()
    assert len(restarted.idempotency) == 0 and restarted.idempotency.ttl == 60


def test_a_retry_while_the_first_is_still_being_processed_gets_409():
    writing, finish = threading.Event(), threading.Event()

    def slow_write():
        writing.set()
        assert finish.wait(5)

    server = StatefulCartServer(IdempotencyStore(before_write=slow_write))
    add = {"session": "a", "action": "add", "item": "book", "idempotency_key": "k"}
    answers = []
    first = threading.Thread(target=lambda: answers.append(server.handle(add)))
    first.start()
    assert writing.wait(5)
    busy = server.handle(add)
    assert busy["status"] == 409 and "still being processed" in busy["error"]
    finish.set()
    first.join(5)
    assert answers == [{"status": 200, "cart": ["book"]}]
    assert server.handle(add) == {"status": 200, "cart": ["book"]}


def fifty_at_once(handle, request) -> list[dict]:
    barrier = threading.Barrier(50)
    answers: list[dict] = []

    def send():
        barrier.wait()
        answers.append(handle(request))

    threads = [threading.Thread(target=send) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(answers) == 50
    return answers


def slow_writes(log: list) -> IdempotencyStore:
    """A store whose every write of a response takes 10 ms, and is logged."""

    def write():
        log.append(threading.get_ident())
        time.sleep(0.01)

    return IdempotencyStore(before_write=write)


def test_fifty_threads_retrying_one_key_with_a_slow_store_write_apply_it_exactly_once():
    writes: list = []
    server = StatefulCartServer(slow_writes(writes))
    add = {"session": "a", "action": "add", "item": "book", "idempotency_key": "k"}
    answers = fifty_at_once(server.handle, add)
    assert server.carts["a"] == ["book"] and len(writes) == 1
    first = {"status": 200, "cart": ["book"]}
    assert all(answer == first or answer["status"] == 409 for answer in answers), answers
    assert answers.count(first) >= 1


class SlowReads(dict):
    """A server's memory whose reads take a millisecond: a race has time to happen."""

    def get(self, *args):
        value = super().get(*args)
        time.sleep(0.001)
        return value


def test_fifty_threads_with_fifty_keys_on_one_cart_apply_all_fifty():
    server = StatefulCartServer()
    server.carts = SlowReads()
    barrier = threading.Barrier(50)

    def send(key):
        barrier.wait()
        server.handle({"session": "a", "action": "add", "item": "b", "idempotency_key": str(key)})

    threads = [threading.Thread(target=send, args=(key,)) for key in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert server.carts["a"] == ["b"] * 50


# -- idempotency keys for the stateless handler ---------------------------------------------


def test_a_stateless_keyed_retry_gets_the_first_response_byte_for_byte_later():
    clock = Clock()
    handler = StatelessCartHandler(SECRET, now=clock, idempotency=IdempotencyStore(now=clock))
    add = {"action": "add", "item": "lamp", "cookie": GOOD, "idempotency_key": "k"}
    first = json.dumps(handler.handle(add))
    clock.now += 5
    assert json.dumps(handler.handle(add)) == first


def test_a_stateless_keyed_retry_with_the_newer_cookie_is_422_not_a_second_add():
    handler = handler_at(idempotency=IdempotencyStore())
    add = {"action": "add", "item": "lamp", "cookie": GOOD, "idempotency_key": "k"}
    newer = handler.handle(add)["cookie"]
    retry = handler.handle({**add, "cookie": newer})
    assert retry["status"] == 422
    without_store = handler_at().handle({**add, "cookie": newer})
    assert without_store["cart"] == ["book", "lamp", "lamp"]  # what the store prevents


def test_fifty_threads_on_the_stateless_handler_with_one_key_apply_it_once():
    writes: list = []
    handler = handler_at(idempotency=slow_writes(writes))
    add = {"action": "add", "item": "lamp", "cookie": GOOD, "idempotency_key": "k"}
    answers = fifty_at_once(handler.handle, add)
    assert len(writes) == 1  # applied once (applied twice, the answers would look the same)
    applied = [answer for answer in answers if answer["status"] == 200]
    assert applied and all(answer == applied[0] for answer in applied)
    assert all(answer["status"] in (200, 409) for answer in answers)


# -- PUT: set an item's quantity --------------------------------------------------------


def test_a_put_sent_twice_leaves_the_cart_as_once_where_a_post_adds_twice():
    server = StatefulCartServer()
    post = {"session": "alice", "action": "add", "item": "book"}
    put = {"session": "bob", "action": "set", "item": "book", "quantity": 1}
    assert [server.handle(post)["cart"] for _ in range(2)][-1] == ["book", "book"]
    assert [server.handle(put)["cart"] for _ in range(2)][-1] == ["book"]
    # a PUT replaces the item's copies and keeps the other items
    server.handle({"session": "bob", "action": "add", "item": "pen"})
    three = {"session": "bob", "action": "set", "item": "book", "quantity": 3}
    assert server.handle(three)["cart"] == ["pen", "book", "book", "book"]
    zero = {"session": "bob", "action": "set", "item": "book", "quantity": 0}
    assert server.handle(zero)["cart"] == ["pen"]


def test_a_stateless_put_retried_with_the_new_cookie_still_holds_one_item():
    # the retry of an add that carries the new cookie adds twice; a PUT does not
    handler = StatelessCartHandler(SECRET)
    put = {"action": "set", "item": "book", "quantity": 1}
    first = handler.handle(put)
    retry = handler.handle({**put, "cookie": first["cookie"]})
    assert first["cart"] == retry["cart"] == ["book"]
    add = {"action": "add", "item": "book"}
    added = handler.handle(add)
    assert handler.handle({**add, "cookie": added["cookie"]})["cart"] == ["book", "book"]


@pytest.mark.parametrize(
    ("quantity", "words"),
    [(True, "is True"), (-1, "is -1"), (100, "is 100"), ("2", "is '2'"), (None, "is None")],
)
def test_a_bad_quantity_is_refused_naming_the_field_and_what_is_allowed(quantity, words):
    request = {"session": "a", "action": "set", "item": "book", "quantity": quantity}
    for answer in (
        StatefulCartServer().handle(request),
        StatelessCartHandler(SECRET).handle(request),
    ):
        assert answer["status"] == 400
        assert f"field 'quantity' {words}" in answer["error"]
        assert "a whole number from 0 to 99" in answer["error"]
    missing = {"session": "a", "action": "set", "item": "book"}
    assert "field 'quantity' is missing" in StatefulCartServer().handle(missing)["error"]
