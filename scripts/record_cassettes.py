"""(Re-)record vcrpy cassettes in ``cassettes/<provider>/recorded/`` with callswitch itself.

One command, two targets::

    # from the emulators (no key, no network): every provider that ships one
    python scripts/record_cassettes.py
    python scripts/record_cassettes.py --provider vapi

    # from the real vendor: a real key and base URL (dials a real phone!)
    RETELL_API_KEY=... python scripts/record_cassettes.py --provider retell \\
        --base-url https://api.retellai.com --api-key-env RETELL_API_KEY \\
        --from-number +1... --to-number +1... --agent-id agent_...

It runs callswitch's own operations (create a phone call, read it live, live control,
update, end, read it back, list, delete, an unknown id, a wrong key) through
``callswitch.connect(...)``, one cassette per operation, skipping what the provider does
not declare. Against an emulator it is served on 127.0.0.1 by uvicorn (a real socket, so
vcrpy sees real HTTP) and the call's life cycle is driven through the emulator; against a
vendor the script waits for the callee to answer and to hang up (``--live-timeout``).

Before a cassette is written: every header in ``tests/conftest.py``'s ``AUTH_HEADERS``
is dropped (the same ``filter_headers`` list the tests use), transport noise headers are
dropped, and the recorded host (the emulator's ``127.0.0.1:port``, or a staging
``--base-url``) is rewritten to the provider's production host, in URLs and in bodies,
so that replays through a default client match. The tests in
``tests/demo/test_recorded_cassettes.py`` replay the cassettes with the same steps.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import attrs

import callswitch
from callswitch import CallStatus, CallUpdate, LiveControl
from callswitch.capabilities import Capabilities
from callswitch.errors import CallswitchError
from callswitch.registry import default_registry

ROOT = Path(__file__).resolve().parent.parent
CASSETTES = ROOT / "cassettes"
RECORDED = "recorded"

# What the recorded calls say. The emulators' accounts own FROM_NUMBER.
FROM_NUMBER = "+14155550100"
TO_NUMBER = "+14155550123"
AGENT_ID = "agent_recording"
VARIABLES = {"customer_name": "Ada Lovelace", "order_id": "A-1042"}
CONTEXT = "The caller is a premium member; offer priority shipping."
UPDATE_CANDIDATES: dict[str, Any] = {
    "metadata": {"crm_ticket": "T-7781"},
    "variables": {"order_status": "priority"},
    "name": "Recorded call",
}
#: The only key the emulators accept while recording; any other gets the vendor's 401.
EMULATOR_KEY = "recording-key"
WRONG_KEY = "wrong-key-for-the-401-cassette"
UNKNOWN_ID = "call_does_not_exist_0000"
LIST_LIMIT = 5

#: Request headers that only describe the transport or the client version (noise in diffs).
NOISE_REQUEST_HEADERS = (
    "user-agent",
    "accept",
    "accept-encoding",
    "connection",
    "host",
    "content-length",
)
#: Response headers dropped for the same reason; content-length goes because bodies are
#: rewritten (host scrubbing) and httpx recomputes it on replay.
NOISE_RESPONSE_HEADERS = ("date", "server", "content-length", "connection")
#: JSON body keys ignored when replays match requests: fresh on every run by design.
VOLATILE_BODY_KEYS = frozenset({"idempotency_key"})


def auth_headers() -> tuple[str, ...]:
    """``AUTH_HEADERS`` from tests/conftest.py: one list of credential headers for all."""
    spec = importlib.util.spec_from_file_location(
        "_callswitch_conftest", ROOT / "tests/conftest.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return tuple(module.AUTH_HEADERS)


# ------------------------------------------------------------------------- the steps


@attrs.frozen
class Step:
    """One callswitch operation, recorded into ``<cassette>.yaml``.

    ``needs``: capabilities the provider must declare, else the step is left out.
    ``run(clients, state)`` returns a result; an expected error is returned, not raised.
    """

    cassette: str
    needs: tuple[str, ...]
    run: Callable[[Clients, dict[str, Any]], Any]


@attrs.frozen
class Clients:
    main: callswitch.Client
    wrong_key: callswitch.Client


def _update_for(caps: Capabilities) -> CallUpdate | None:
    fields = {k: v for k, v in UPDATE_CANDIDATES.items() if caps.supports(f"update.{k}")}
    return CallUpdate(**fields) if fields else None


def _expect_error(action: Callable[[], Any]) -> Any:
    try:
        action()
    except CallswitchError as exc:
        return exc
    raise AssertionError("the request was expected to fail")


def _create(c: Clients, s: dict[str, Any]) -> Any:
    call = c.main.calls.create_phone(
        from_number=s["from_number"],
        to_number=s["to_number"],
        agent_id=s["agent_id"],
        variables=VARIABLES,
    )
    s["call_id"] = call.id
    return call


def _update(c: Clients, s: dict[str, Any]) -> Any:
    update = _update_for(c.main.capabilities)
    assert update is not None
    return c.main.calls.update(s["call_id"], update)


STEPS: tuple[Step, ...] = (
    Step("create_phone_call", ("calls.create_phone",), _create),
    Step("get_live_call", ("calls.get",), lambda c, s: c.main.calls.get(s["call_id"])),
    Step(
        "control_live_call",
        ("calls.control", "control.inject_context", "control.trigger_response"),
        lambda c, s: c.main.calls.control(
            s["call_id"], LiveControl(inject_context=CONTEXT, trigger_response=True)
        ),
    ),
    Step("update_call", ("calls.update",), _update),
    Step("end_call", ("calls.end",), lambda c, s: c.main.calls.end(s["call_id"])),
    Step("get_ended_call", ("calls.get",), lambda c, s: c.main.calls.get(s["call_id"])),
    Step("list_calls", ("calls.list",), lambda c, s: list(c.main.calls.list(limit=LIST_LIMIT))),
    Step("delete_call", ("calls.delete",), lambda c, s: c.main.calls.delete(s["call_id"])),
    Step(
        "get_deleted_call",
        ("calls.delete", "calls.get"),
        lambda c, s: _expect_error(lambda: c.main.calls.get(s["call_id"])),
    ),
    Step(
        "get_unknown_call",
        ("calls.get",),
        lambda c, s: _expect_error(lambda: c.main.calls.get(UNKNOWN_ID)),
    ),
    Step(
        "wrong_api_key",
        ("calls.get",),
        lambda c, s: _expect_error(lambda: c.wrong_key.calls.get(UNKNOWN_ID)),
    ),
)


def steps_for(caps: Capabilities) -> list[Step]:
    """The steps this provider's declarations allow, in order."""
    steps = [s for s in STEPS if all(caps.supports(n) for n in s.needs)]
    return [s for s in steps if s.cassette != "update_call" or _update_for(caps) is not None]


def cassette_paths(provider: str) -> list[str]:
    """Cassette paths relative to ``cassettes/``, in the order the steps run."""
    caps = default_registry().get(provider).capabilities
    return [f"{provider}/{RECORDED}/{s.cassette}.yaml" for s in steps_for(caps)]


World = Callable[[str, dict[str, Any]], None]
CassetteFor = Callable[[str], contextlib.AbstractContextManager[Any]]


def play(
    clients: Clients,
    *,
    cassette: CassetteFor,
    world: World,
    numbers: tuple[str, str, str] = (FROM_NUMBER, TO_NUMBER, AGENT_ID),
) -> dict[str, Any]:
    """Run every step the provider allows; ``cassette(name)`` wraps each step (recording)
    and ``world(event, state)`` moves the call between steps (``answered``, ``hung_up``).
    Returns ``{cassette name: result}`` and the call id under ``"call_id"``."""
    caps = clients.main.capabilities
    state: dict[str, Any] = dict(
        zip(("from_number", "to_number", "agent_id"), numbers, strict=True)
    )
    results: dict[str, Any] = {}
    for step in steps_for(caps):
        if step.cassette == "get_ended_call" and not caps.supports("calls.end"):
            world("hung_up", state)  # the app cannot hang up: the callee does
        with cassette(step.cassette):
            results[step.cassette] = step.run(clients, state)
        if step.cassette == "create_phone_call":
            world("answered", state)
        elif step.cassette == "end_call":
            world("ended", state)
    results["call_id"] = state.get("call_id")
    return results


# ----------------------------------------------------------------------- scrubbing


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc


#: JSON fields whose values are credentials in themselves: whoever holds one can listen to,
#: steer or join a live call (Vapi's monitor URLs, web-call tokens and join URLs).
CREDENTIAL_FIELDS = frozenset({"controlUrl", "listenUrl", "access_token", "accessToken", "joinUrl"})


class Scrubber:
    """Rewrites what a cassette must not keep.

    The recorded origin (``http://127.0.0.1:PORT``) becomes the production one, for
    http(s) and ws(s) URLs alike. Every value of a credential field seen in a response
    (:data:`CREDENTIAL_FIELDS`) is replaced, wherever it appears later (a control request's
    URL included), by a stand-in numbered in the order first seen: a URL keeps its scheme,
    host and last path segment (``https://api.vapi.ai/scrubbed-1/control``), so a replayed
    client still finds a well-formed URL on the vendor's host; a token becomes
    ``scrubbed-token-N``. Numbering by order keeps a re-recording identical.
    """

    def __init__(self, recorded_base: str, production_base: str) -> None:
        scheme, netloc = _origin(recorded_base)
        prod_scheme, prod_netloc = _origin(production_base)
        secure = prod_scheme == "https"
        self._pairs = [
            (f"{scheme}://{netloc}", f"{prod_scheme}://{prod_netloc}"),
            (f"ws://{netloc}", f"{'wss' if secure else 'ws'}://{prod_netloc}"),
            (f"wss://{netloc}", f"wss://{prod_netloc}"),
        ]
        self._credentials: dict[str, str] = {}

    def __call__(self, text: str) -> str:
        for old, new in self._pairs:
            text = text.replace(old, new)
        # Longest first, so a value that contains another is replaced whole.
        for old in sorted(self._credentials, key=len, reverse=True):
            text = text.replace(old, self._credentials[old])
        return text

    def learn(self, text: str) -> None:
        """Remember the credential values in a JSON body (origin already rewritten)."""
        try:
            data = json.loads(text)
        except ValueError:
            return
        self._walk(data)

    def _walk(self, data: Any) -> None:
        if isinstance(data, dict):
            for key, value in data.items():
                if key in CREDENTIAL_FIELDS and isinstance(value, str) and value:
                    self._stand_in(value)
                else:
                    self._walk(value)
        elif isinstance(data, list):
            for item in data:
                self._walk(item)

    def _stand_in(self, value: str) -> None:
        if value in self._credentials or value in self._credentials.values():
            return
        number = len(self._credentials) + 1
        parts = urlsplit(value)
        if parts.scheme and parts.netloc:
            last = parts.path.rstrip("/").rsplit("/", 1)[-1] or "path"
            self._credentials[value] = f"{parts.scheme}://{parts.netloc}/scrubbed-{number}/{last}"
        else:
            self._credentials[value] = f"scrubbed-token-{number}"


def scrubber(recorded_base: str, production_base: str) -> Scrubber:
    """The :class:`Scrubber` for one recording run."""
    return Scrubber(recorded_base, production_base)


def vcr_for(directory: Path, scrub: Scrubber) -> Any:
    import vcr  # type: ignore[import-untyped]

    def before_request(request: Any) -> Any:
        request.uri = scrub(request.uri)
        for name in NOISE_REQUEST_HEADERS:
            for key in [k for k in request.headers if k.lower() == name]:
                del request.headers[key]
        if request.body:
            body = request.body if isinstance(request.body, str) else request.body.decode()
            request.body = scrub(body).encode()
        return request

    drop = {h.lower() for h in (*auth_headers(), *NOISE_RESPONSE_HEADERS)}

    def before_response(response: dict[str, Any]) -> dict[str, Any]:
        response["headers"] = {
            k: v for k, v in response["headers"].items() if k.lower() not in drop
        }
        body = response.get("body", {}).get("string")
        if body:
            text = scrub(body.decode() if isinstance(body, bytes) else body)
            scrub.learn(text)
            response["body"]["string"] = scrub(text).encode()
        return response

    return vcr.VCR(
        cassette_library_dir=str(directory),
        record_mode="all",
        filter_headers=[(h, None) for h in auth_headers()],
        before_record_request=before_request,
        before_record_response=before_response,
        decode_compressed_response=True,
    )


# ------------------------------------------------------------------------- recording


def _recorder(directory: Path, scrub: Scrubber) -> CassetteFor:
    recorder = vcr_for(directory, scrub)

    @contextlib.contextmanager
    def cassette(name: str) -> Iterator[Any]:
        with recorder.use_cassette(f"{name}.yaml") as tape:
            yield tape

    return cassette


def _fresh_dir(provider: str, root: Path) -> Path:
    directory = root / provider / RECORDED
    directory.mkdir(parents=True, exist_ok=True)
    for old in directory.glob("*.yaml"):
        old.unlink()
    return directory


def record_from_emulator(provider: str, root: Path = CASSETTES) -> list[str]:
    """Serve the provider's emulator on 127.0.0.1 and record every step."""
    from callswitch import emulators

    spec = default_registry().get(provider)
    production = spec.default_base_url
    emulator = emulators.create(provider, api_key=EMULATOR_KEY)
    directory = _fresh_dir(provider, root)
    with emulators.running(emulator) as socket_url:
        # Keep the production path (a vendor may serve its API under one), swap the host.
        base_url = socket_url + urlsplit(production).path.rstrip("/")

        def world(event: str, state: dict[str, Any]) -> None:
            if event == "answered":
                emulator.set_status(state["call_id"], "ongoing")
            elif event == "hung_up":
                emulator.set_status(state["call_id"], "ended")

        with (
            callswitch.connect(
                provider,
                api_key=EMULATOR_KEY,
                base_url=base_url,
                max_retries=0,
                on_unsupported="drop",
            ) as main,
            callswitch.connect(
                provider, api_key=WRONG_KEY, base_url=base_url, max_retries=0
            ) as wrong,
        ):
            play(
                Clients(main, wrong),
                cassette=_recorder(directory, scrubber(socket_url, production)),
                world=world,
            )
    emulator.close()
    return sorted(str(p.relative_to(root)) for p in directory.glob("*.yaml"))


def _wait_for(
    client: callswitch.Client, call_id: str, wanted: set[CallStatus], timeout: float
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = client.calls.get(call_id).status
        if status in wanted:
            return
        if status in (CallStatus.ENDED, CallStatus.FAILED) and CallStatus.ENDED not in wanted:
            raise SystemExit(
                f"the call {status.value} before it was answered; nothing more to record"
            )
        time.sleep(2)
    raise SystemExit(f"the call did not reach {', '.join(s.value for s in wanted)} in {timeout} s")


def record_from_vendor(
    provider: str,
    base_url: str,
    api_key: str,
    numbers: tuple[str, str, str],
    live_timeout: float,
    root: Path = CASSETTES,
) -> list[str]:
    """Record every step against the real vendor at ``base_url`` (dials ``to_number``)."""
    spec = default_registry().get(provider)
    directory = _fresh_dir(provider, root)
    with (
        callswitch.connect(
            provider, api_key=api_key, base_url=base_url, max_retries=0, on_unsupported="drop"
        ) as main,
        callswitch.connect(provider, api_key=WRONG_KEY, base_url=base_url, max_retries=0) as wrong,
    ):

        def world(event: str, state: dict[str, Any]) -> None:
            # Polling happens between cassettes, so it is not recorded.
            if event == "answered":
                print("waiting for the callee to answer...", file=sys.stderr)
                _wait_for(main, state["call_id"], {CallStatus.ONGOING}, live_timeout)
            else:
                print("waiting for the call to end (hang up)...", file=sys.stderr)
                _wait_for(main, state["call_id"], {CallStatus.ENDED}, live_timeout)

        play(
            Clients(main, wrong),
            cassette=_recorder(directory, scrubber(base_url, spec.default_base_url)),
            world=world,
            numbers=numbers,
        )
    return sorted(str(p.relative_to(root)) for p in directory.glob("*.yaml"))


# ----------------------------------------------------------------------------- CLI


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python scripts/record_cassettes.py",
        description="Re-record cassettes/<provider>/recorded/ from the emulators, or from a "
        "real vendor with --base-url and --api-key-env.",
    )
    parser.add_argument(
        "--provider", action="append", help="record only this provider (repeatable)"
    )
    parser.add_argument("--base-url", help="a real vendor's API base URL (needs --api-key-env)")
    parser.add_argument(
        "--api-key-env", metavar="VAR", help="environment variable holding the real API key"
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=CASSETTES,
        help="cassette root; each provider's go to OUT/<provider>/recorded/ (default cassettes/)",
    )
    parser.add_argument("--from-number", default=FROM_NUMBER)
    parser.add_argument("--to-number", default=TO_NUMBER)
    parser.add_argument("--agent-id", default=AGENT_ID)
    parser.add_argument(
        "--live-timeout",
        type=float,
        default=120.0,
        help="seconds to wait for a real call to be answered, then to end (default 120)",
    )
    args = parser.parse_args(argv)

    with_emulator = [
        n for n in callswitch.providers() if default_registry().get(n).emulator is not None
    ]
    providers = args.provider or with_emulator
    if (args.base_url is None) != (args.api_key_env is None):
        parser.error("--base-url and --api-key-env go together")
    written: dict[str, list[str]] = {}
    if args.base_url:
        if len(providers) != 1:
            parser.error("recording from a real vendor needs exactly one --provider")
        key = os.environ.get(args.api_key_env, "")
        if not key:
            parser.error(f"{args.api_key_env} is not set or empty")
        numbers = (args.from_number, args.to_number, args.agent_id)
        written[providers[0]] = record_from_vendor(
            providers[0], args.base_url, key, numbers, args.live_timeout, args.out
        )
    else:
        for name in providers:
            if name not in with_emulator:
                parser.error(f"{name} ships no emulator; record it with --base-url")
            written[name] = record_from_emulator(name, args.out)
    print(json.dumps(written, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
