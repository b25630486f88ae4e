"""The TLS context every httpx client callswitch makes for itself shares."""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING

import httpx

if TYPE_CHECKING:
    import ssl

_ssl_lock = threading.Lock()
_ssl_contexts: dict[tuple[str | None, str | None], ssl.SSLContext] = {}


def _shared_ssl_context() -> ssl.SSLContext:
    """The TLS context httpx builds for ``verify=True``, built once per process.

    Loading the CA bundle is most of the 30-40 ms an ``httpx.Client`` takes to make, and
    every client callswitch makes for itself would load it again. The context is the one
    ``httpx.create_ssl_context()`` returns; it is keyed by the ``SSL_CERT_FILE`` and
    ``SSL_CERT_DIR`` variables that httpx reads, so changing them still takes effect.
    """
    key = (os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))
    with _ssl_lock:
        context = _ssl_contexts.get(key)
        if context is None:
            context = _ssl_contexts[key] = httpx.create_ssl_context()
    return context
