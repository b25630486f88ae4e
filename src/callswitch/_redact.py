"""Keeping credential URLs out of logs and errors.

A vendor may hand out an absolute URL that is itself a credential (Vapi's live-control
URL). :func:`_redact_url` shortens such a URL to scheme and host; :class:`_HideCredentialUrl`
is the filter on httpx's logger that does so for the one request being sent.
"""

from __future__ import annotations

import contextvars
import logging
from urllib.parse import urlsplit

import httpx


def _redact_url(url: str) -> str:
    """Scheme, host and port only: for absolute URLs a vendor handed out (a control URL),
    which may be credentials themselves. Never the ``user:password@`` part."""
    try:
        parsed = httpx.URL(url)
        host, port = parsed.host, parsed.port
    except (httpx.InvalidURL, ValueError, TypeError):
        parts = urlsplit(url)
        host, port = parts.hostname or "", None
    if ":" in host:
        host = f"[{host}]"
    scheme = url.split("://", 1)[0].lower() if "://" in url else "?"
    return f"{scheme}://{host}{f':{port}' if port else ''}/..."


#: The credential URL this thread or task is sending right now, if any. Set by
#: :meth:`_Engine._attempts` only around the send of an absolute, unauthenticated plan URL
#: (a control URL), so nothing outside that request is affected and no URL is kept after.
_sending_secret_url: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "callswitch_sending_secret_url", default=None
)


class _HideCredentialUrl(logging.Filter):
    """Redacts the credential URL being sent from httpx's log line for that request.

    httpx logs every request URL at INFO; a control URL in a log is a way into a live call.
    httpx writes that line itself, from the request's real URL, so no per-client hook can
    change it: a filter on the ``httpx`` logger that acts only within the send does.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        url = _sending_secret_url.get()
        if url is not None and isinstance(record.args, tuple):
            record.args = tuple(_redact_url(url) if str(arg) == url else arg for arg in record.args)
        if url is not None and isinstance(record.msg, str) and url in record.msg:
            record.msg = record.msg.replace(url, _redact_url(url))
        return True


_hide_credential_url = _HideCredentialUrl()
