"""Hostile answers over a real socket (127.0.0.1): a trickling body is bounded by the
timeout, a gzip bomb by the size cap, and closing a client mid-read is a callswitch error
(issue 13). Sync and async."""

from __future__ import annotations

import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator

import anyio
import pytest

import callswitch
from callswitch.errors import TransportError

MODES = pytest.mark.parametrize("mode", ["sync", "async"])


def _serve(handle: object) -> tuple[int, threading.Event]:
    """A one-thread-per-connection server calling ``handle(conn)``; (port, stop)."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            threading.Thread(target=handle, args=(conn, stop), daemon=True).start()  # type: ignore[arg-type]
        listener.close()

    threading.Thread(target=accept, daemon=True).start()
    return listener.getsockname()[1], stop


def _trickle(conn: socket.socket, stop: threading.Event) -> None:
    with conn:
        conn.recv(65536)
        conn.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n"
        )
        for _ in range(500):
            if stop.is_set():
                return
            try:
                conn.sendall(b" ")
            except OSError:
                return
            time.sleep(0.1)


@pytest.fixture
def trickling() -> Iterator[str]:
    port, stop = _serve(_trickle)
    yield f"http://127.0.0.1:{port}"
    stop.set()


@MODES
def test_a_trickling_body_is_bounded_by_the_timeout(mode: str, trickling: str) -> None:
    started = time.monotonic()
    if mode == "sync":
        client = callswitch.connect("retell", api_key="k" * 10, base_url=trickling, timeout=2)
        with pytest.raises(TransportError) as info:
            client.with_options(max_retries=0).calls.get("call_1")
    else:

        async def main() -> None:
            aclient = callswitch.connect_async(
                "retell", api_key="k" * 10, base_url=trickling, timeout=2
            )
            async with aclient:
                await aclient.with_options(max_retries=0).calls.get("call_1")

        with pytest.raises(TransportError) as info:
            anyio.run(main)
    elapsed = time.monotonic() - started
    print(f"trickle wall time at timeout=2 ({mode}): {elapsed:.2f} s")
    assert elapsed < 3.0  # was 50 s (500 bytes at 0.1 s each)
    assert "timeout" in str(info.value).lower()


def test_the_retry_deadline_bounds_the_whole_operation(trickling: str) -> None:
    from callswitch._retry import RetryPolicy

    policy = RetryPolicy(max_retries=5, deadline=3.0, base_delay=0.01)
    started = time.monotonic()
    client = callswitch.connect("retell", api_key="k" * 10, base_url=trickling, timeout=2)
    client._retry = policy
    with pytest.raises(TransportError):
        client.calls.get("call_1")
    elapsed = time.monotonic() - started
    print(f"deadline 3 s, timeout 2 s, 5 retries: {elapsed:.2f} s")
    assert elapsed < 4.5  # was 12 s: six whole 2 s attempts


@MODES
def test_close_while_a_read_is_in_flight_is_a_callswitch_error(mode: str, trickling: str) -> None:
    if mode == "sync":
        client = callswitch.connect("retell", api_key="k" * 10, base_url=trickling, timeout=10)
        errors: list[BaseException] = []

        def read() -> None:
            try:
                client.with_options(max_retries=0).calls.get("call_1")
            except BaseException as exc:
                errors.append(exc)

        worker = threading.Thread(target=read)
        worker.start()
        time.sleep(0.5)
        client.close()
        worker.join(15)
        assert len(errors) == 1
        assert isinstance(errors[0], TransportError), repr(errors[0])
        return

    async def main() -> BaseException | None:
        aclient = callswitch.connect_async(
            "retell", api_key="k" * 10, base_url=trickling, timeout=10
        )
        caught: list[BaseException] = []

        async def read() -> None:
            try:
                await aclient.with_options(max_retries=0).calls.get("call_1")
            except BaseException as exc:
                caught.append(exc)

        async with anyio.create_task_group() as tg:
            tg.start_soon(read)
            await anyio.sleep(0.5)
            await aclient.aclose()
        return caught[0] if caught else None

    error = anyio.run(main)
    assert isinstance(error, TransportError), repr(error)


BOMB_SCRIPT = textwrap.dedent(
    """
    import resource, socket, sys, threading, zlib
    import callswitch

    def rss_mb():
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    comp = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    chunk = bytes(1 << 20)
    body = b"".join(comp.compress(chunk) for _ in range(1024)) + comp.flush()
    del chunk
    listener = socket.create_server(("127.0.0.1", 0))

    def serve():
        conn, _ = listener.accept()
        conn.recv(65536)
        head = (
            "HTTP/1.1 200 OK\\r\\nContent-Type: application/json\\r\\n"
            f"Content-Encoding: gzip\\r\\nContent-Length: {len(body)}\\r\\n\\r\\n"
        )
        try:
            conn.sendall(head.encode() + body)
        except OSError:
            pass
        conn.close()

    threading.Thread(target=serve, daemon=True).start()
    port = listener.getsockname()[1]
    before = rss_mb()
    mode = sys.argv[1]
    try:
        if mode == "sync":
            client = callswitch.connect("retell", api_key="k" * 10,
                                        base_url=f"http://127.0.0.1:{port}", max_retries=0)
            client.calls.get("call_1")
        else:
            import anyio

            async def main():
                async with callswitch.connect_async(
                    "retell", api_key="k" * 10, base_url=f"http://127.0.0.1:{port}",
                    max_retries=0) as aclient:
                    await aclient.calls.get("call_1")

            anyio.run(main)
        outcome = "success"
    except callswitch.errors.CallswitchError as exc:
        outcome = type(exc).__name__
    print(f"{len(body)} {before:.0f} {rss_mb():.0f} {outcome}")
    """
)


@MODES
def test_a_gzip_bomb_does_not_blow_memory(mode: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", BOMB_SCRIPT, mode],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    size, before, peak, outcome = done.stdout.split()
    print(
        f"gzip bomb ({mode}): {int(size) / 1e6:.2f} MB on the wire, 1 GiB decoded; "
        f"peak RSS {before} -> {peak} MB; {outcome}"
    )
    assert outcome == "ProviderError"
    assert float(peak) - float(before) < 200  # was ~2,000 MB: the whole GiB held
