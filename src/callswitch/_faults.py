"""Turning what went wrong in an exchange into callswitch errors, and keeping them clean.

The one place every failure of a send is classified (did the request leave? may it be
retried?) and every error is scrubbed before a caller sees it: the client's own key and
the URL being sent are removed from the text, over-long vendor text is trimmed, and no
foreign exception (httpx's, which holds the request and its headers) stays in the chain.
No IO; used by :mod:`callswitch._engine`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from callswitch._body import _AttemptTimeout, _BadEncoding, _BodyTooLarge
from callswitch._retry import never_sent
from callswitch.errors import CallswitchError, ProviderError, error_class_for_status

#: The most of a vendor's message an error shows; its ``body`` keeps a little more.
MAX_MESSAGE = 1000
MAX_BODY = 2000
_REDACTED = "[redacted]"


class _Closed(Exception):
    """The callswitch client was closed before or while this request was sent."""


#: What a send may raise that is the exchange's failure (not a bug to surface as is):
#: httpx's errors, the socket's, a closed client's RuntimeError, a header or URL that
#: cannot be encoded, and the body reader's own.
SEND_ERRORS: tuple[type[Exception], ...] = (
    httpx.HTTPError,
    httpx.InvalidURL,
    httpx.StreamError,
    RuntimeError,
    OSError,
    ValueError,
    _AttemptTimeout,
    _BadEncoding,
    _BodyTooLarge,
    _Closed,
)
#: What building a request may raise besides: a body httpx cannot encode.
BUILD_ERRORS: tuple[type[Exception], ...] = (*SEND_ERRORS, TypeError)


class _Failure:
    """What a client hands back when a send did not produce a whole answer.

    ``sent`` is False when the request certainly did not leave (it could not even be
    built), True when an answer had begun to arrive, None when the exception's type
    must tell (see :func:`classify`).
    """

    __slots__ = ("error", "sent")

    def __init__(self, error: Exception, sent: bool | None) -> None:
        self.error = error
        self.sent = sent


def classify(failure: _Failure) -> tuple[bool, bool]:
    """(may the request have reached the vendor, is another attempt worth making)."""
    exc = failure.error
    if isinstance(exc, _Closed):
        return bool(failure.sent), False
    if failure.sent is not None:
        sent = failure.sent
    elif isinstance(exc, RuntimeError) and "closed" in str(exc):
        sent = False  # httpx refuses to send on a closed client before doing anything
    else:
        sent = not never_sent(exc)
    retryable = isinstance(exc, httpx.TransportError | httpx.DecodingError | _AttemptTimeout)
    return sent, retryable or isinstance(exc, _BadEncoding)


def describe(exc: Exception, hide: tuple[str, ...]) -> str:
    """A short, safe account of ``exc``: its type and, for transport errors, its text
    with everything in ``hide`` (the key, the URL) removed."""
    if isinstance(exc, _Closed):
        return str(exc)
    name = type(exc).__name__
    if isinstance(exc, httpx.TransportError | _AttemptTimeout | _BadEncoding):
        text = scrub_text(str(exc), hide)
        return f"{name}: {text}" if text else name
    return name


def scrub_text(text: str, hide: tuple[str, ...], limit: int = MAX_MESSAGE) -> str:
    for secret in hide:
        if secret and secret in text:
            text = text.replace(secret, _REDACTED)
    if len(text) > limit:
        text = f"{text[:limit]}... ({len(text) - limit} more characters not shown)"
    return text


def scrub_error(exc: BaseException, hide: tuple[str, ...]) -> None:
    """Remove ``hide`` from ``exc`` and its chain, trim vendor text, and cut any foreign
    exception out of the chain (a callswitch error never carries httpx's request)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, CallswitchError):
            _scrub_one(current, hide)
        # A link that is not shown (suppressed by ``from None``) is still held and
        # reachable: foreign ones are cut either way.
        for link in (current.__cause__, current.__context__):
            if link is not None and not isinstance(link, CallswitchError):
                current.__cause__ = None
                current.__context__ = None
                current.__suppress_context__ = True
        current = current.__cause__ or current.__context__


def _scrub_one(error: CallswitchError, hide: tuple[str, ...]) -> None:
    state: dict[str, Any] = vars(error)
    for name, value in state.items():
        if isinstance(value, str):
            limit = MAX_BODY if name == "body" else MAX_MESSAGE
            state[name] = scrub_text(value, hide, limit)
    if isinstance(error, ProviderError):
        error.args = (error._format(),)
    else:
        error.args = tuple(
            scrub_text(a, hide, 4 * MAX_MESSAGE) if isinstance(a, str) else a for a in error.args
        )
    notes = getattr(error, "__notes__", None)
    if isinstance(notes, list):
        error.__notes__ = [scrub_text(n, hide) if isinstance(n, str) else n for n in notes]


def shown_location(location: str) -> str:
    """A redirect target as an error may show it: no userinfo, query or fragment."""
    try:
        parts = urlsplit(location.strip()[:2000])
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "(an unreadable URL)"
    netloc = f"[{host}]{port}" if ":" in host else f"{host}{port}"
    return urlunsplit((parts.scheme, netloc, parts.path[:200], "", "")) or "(nowhere)"


def redirect_error(provider: str, status: int, location: str | None, what: str) -> ProviderError:
    target = shown_location(location) if location else "no Location given"
    return ProviderError(
        f"{what} was answered with a redirect (HTTP {status}) to {target}; callswitch does "
        "not follow redirects with the API key, and nothing was confirmed. Check base_url "
        "(the vendor's API address may have moved)",
        provider=provider,
        status_code=status,
    )


def too_large(provider: str, exc: _BodyTooLarge, what: str) -> ProviderError:
    return ProviderError(
        f"{what} was answered with more than {exc.cap} bytes; callswitch stopped reading. "
        "Raise max_response_bytes in connect() if such answers are expected",
        provider=provider,
    )


def unreadable_answer(provider: str, status: int | None, exc: BaseException) -> ProviderError:
    """A vendor answer the adapter could not turn into a result (hostile structure)."""
    return ProviderError(
        f"the vendor's answer could not be read ({type(exc).__name__}): it is not what the "
        "vendor documents",
        provider=provider,
        status_code=status,
    )


def unreadable_error(provider: str, status: int, body: str) -> ProviderError:
    """The error for an error answer whose body the adapter could not read."""
    cls = error_class_for_status(status)
    return cls(
        f"HTTP {status}, with an error body callswitch could not read",
        provider=provider,
        status_code=status,
        body=body[:MAX_BODY],
    )
