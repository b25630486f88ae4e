"""Reading an answer's body within bounds: size and time (no IO).

The clients read every body as a stream of raw (still encoded) chunks and hand each to a
:class:`_BodyReader`, which decodes it in small pieces, stops at the size cap and at the
attempt's deadline. So a gzip bomb never decodes past the cap, and a vendor that trickles
a body a byte at a time cannot hold an attempt past its timeout. Sync and async share it.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable, Iterator

from callswitch.errors import ConfigurationError

__all__ = [
    "ERROR_BODY_BYTES",
    "MAX_RESPONSE_BYTES",
    "_BodyReader",
    "check_max_response_bytes",
    "whole_body",
]

#: The default cap on a decoded success body: 64 MiB.
MAX_RESPONSE_BYTES = 64 * 1024 * 1024
#: How much of an error answer's body is kept: enough for any vendor's message.
ERROR_BODY_BYTES = 64 * 1024
#: What callswitch asks for: the encodings it decodes itself, within the cap.
ACCEPT_ENCODING = "gzip, deflate"
#: Decoded bytes produced per step, whatever the compression ratio.
_PIECE = 64 * 1024


def check_max_response_bytes(value: object) -> int:
    """``max_response_bytes`` as given to ``connect()``, or a ConfigurationError."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1024:
        raise ConfigurationError(
            f"max_response_bytes must be a whole number of bytes >= 1024, got {value!r}; "
            f"the default is {MAX_RESPONSE_BYTES} (64 MiB)"
        )
    return value


class _AttemptTimeout(Exception):
    """The attempt's whole-time budget ran out (connect, send and body together)."""


class _BodyTooLarge(Exception):
    """A success body went past the size cap."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        super().__init__(f"more than {cap} bytes")


class _BadEncoding(Exception):
    """A body callswitch cannot decode: an encoding it did not ask for, or corrupt data."""


class _Decoder:
    """Decodes one ``Content-Encoding`` (identity, gzip or deflate) a piece at a time."""

    def __init__(self, encoding: str) -> None:
        name = encoding.strip().lower()
        self._zlib: zlib._Decompress | None = None
        self._raw_deflate = False
        #: No decoding to do: each raw chunk is a decoded piece as it is.
        self.identity = name in ("", "identity")
        if self.identity:
            pass
        elif name in ("gzip", "x-gzip"):
            self._zlib = zlib.decompressobj(zlib.MAX_WBITS | 16)
        elif name == "deflate":
            self._zlib = zlib.decompressobj()
            self._raw_deflate = True  # some servers send raw deflate; retried below
        else:
            raise _BadEncoding(
                f"the answer is encoded as {encoding[:40]!r}, which was not asked for"
            )

    def pieces(self, data: bytes) -> Iterator[bytes]:
        if self._zlib is None:
            yield data
            return
        pending = data
        while pending:
            try:
                piece = self._zlib.decompress(pending, _PIECE)
            except zlib.error:
                if self._raw_deflate:  # the first bytes were not a zlib header: raw deflate
                    self._raw_deflate = False
                    self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
                    continue
                raise _BadEncoding("the answer's compressed body is corrupt") from None
            self._raw_deflate = False
            pending = self._zlib.unconsumed_tail
            if piece:
                yield piece

    def finish(self) -> bytes:
        if self._zlib is None:
            return b""
        try:
            return self._zlib.flush(_PIECE)
        except zlib.error:
            raise _BadEncoding("the answer's compressed body is corrupt") from None


class _BodyReader:
    """Collects one body: decoded, at most ``cap`` bytes, before ``deadline``.

    ``cap`` is the most a success body may hold (past it: :class:`_BodyTooLarge`); an
    error answer (``is_error``) keeps only its first :data:`ERROR_BODY_BYTES` and drops
    the rest, since only its message is shown. ``deadline`` is on ``clock``'s scale.
    """

    __slots__ = ("_cap", "_chunks", "_clock", "_deadline", "_decoder", "_size", "_truncate", "done")

    def __init__(
        self,
        *,
        encoding: str,
        cap: int,
        is_error: bool,
        deadline: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._decoder = _Decoder(encoding)
        self._truncate = is_error
        self._cap = _kept(cap, is_error)
        self._deadline = deadline
        self._clock = clock
        self._chunks: list[bytes] = []
        self._size = 0
        #: True once an error body holds all it will keep: stop reading.
        self.done = False

    def check_time(self) -> None:
        _check_deadline(self._clock, self._deadline)

    def feed(self, raw: bytes) -> None:
        """Take one raw chunk; raises when the cap or the deadline is passed."""
        self.check_time()
        if self._decoder.identity:  # the common case, without the generator
            self._take(raw)
            return
        for piece in self._decoder.pieces(raw):
            self._take(piece)
            if self.done:
                return

    def _take(self, piece: bytes) -> None:
        if not piece:
            return
        room = self._cap - self._size
        if len(piece) > room:
            if not self._truncate:
                raise _BodyTooLarge(self._cap)
            piece = piece[:room]
            self.done = True
        self._chunks.append(piece)
        self._size += len(piece)

    def content(self) -> bytes:
        if not self.done:
            self._take(self._decoder.finish())
        if len(self._chunks) == 1:  # a body in one piece is kept as it is, not copied
            return self._chunks[0]
        return b"".join(self._chunks)


def whole_body(
    content: bytes,
    *,
    cap: int,
    is_error: bool,
    deadline: float,
    clock: Callable[[], float] = time.monotonic,
) -> bytes:
    """A body that is in memory already (httpx decoded it as the response was made: a mock
    or in-process transport), held to the same bounds as :class:`_BodyReader` without its
    per-chunk machinery: past ``deadline`` :class:`_AttemptTimeout`; a success body over
    ``cap`` :class:`_BodyTooLarge`; an error body cut to :data:`ERROR_BODY_BYTES`."""
    _check_deadline(clock, deadline)
    kept = _kept(cap, is_error)
    if is_error:
        return content[:kept]
    if len(content) > kept:
        raise _BodyTooLarge(kept)
    return content


def _kept(cap: int, is_error: bool) -> int:
    """The most of a body that is kept: ``cap`` for a success, and for an error answer
    only its first :data:`ERROR_BODY_BYTES` (only its message is shown)."""
    return min(cap, ERROR_BODY_BYTES) if is_error else cap


def _check_deadline(clock: Callable[[], float], deadline: float) -> None:
    if clock() > deadline:
        raise _AttemptTimeout("the answer did not arrive in full within the timeout")
