"""Where requests may go: the base URL a client is configured with, and absolute URLs a
vendor's answer names (Vapi's ``monitor.controlUrl``).

A vendor answer is input, not instructions: an absolute URL from one is sent to only if it
carries no ``user:password@`` and either is ``https`` on a trusted domain (the adapter's
:attr:`~callswitch.provider.Adapter.trusted_hosts`, widened by the ``control_hosts``
setting; each with its subdomains) or has the scheme, host and port of the client's own
``base_url`` (an emulator or a proxy). Host names are compared as httpx will send them,
lower case; a host that only matches after IDNA mapping or with a trailing dot is refused.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable

import httpx

from callswitch.errors import ConfigurationError, ProviderError

__all__ = [
    "check_base_url",
    "check_control_hosts",
    "origin_of",
    "refuse_untrusted_url",
    "trusted_url",
]

#: A DNS name as typed: letters, digits and hyphens in dot-separated labels, no trailing dot.
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_HOST_NAME = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")
_DEFAULT_PORTS = {"http": 80, "https": 443}
#: Characters no URL we send may hold (httpx would reject or re-encode them).
_UNSAFE = re.compile(r"[\x00-\x20\x7f\\]")


def _parse(url: str) -> httpx.URL | None:
    if not isinstance(url, str) or _UNSAFE.search(url):
        return None
    try:
        return httpx.URL(url)
    except (httpx.InvalidURL, ValueError, TypeError):
        return None


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return (url.scheme, url.host, url.port or _DEFAULT_PORTS.get(url.scheme))


def _plain_host(url: httpx.URL) -> str | None:
    """The host as a plain lower-case DNS name, or None (an IP address, an IDNA host, a
    trailing dot, anything else)."""
    try:
        raw = url.raw_host.decode("ascii")
    except UnicodeDecodeError:
        return None
    host = url.host
    if raw != host or not _HOST_NAME.fullmatch(host):
        return None
    return host


def _is_local(host: str) -> bool:
    """This machine (loopback), or a name that resolves nowhere (``.invalid``, RFC 2606:
    the emulators' in-process transports use it), so plain http sends nothing abroad."""
    if host in ("localhost", "invalid") or host.endswith((".localhost", ".invalid")):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_base_url(url: object, *, allow_insecure_http: bool = False) -> str:
    """``url`` without a trailing slash, once it is a usable base URL; else
    ConfigurationError saying what to change."""
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise ConfigurationError(f"base_url must be an http(s) URL, got {url!r}")
    if "@" in url.split("://", 1)[1].split("/", 1)[0]:
        raise ConfigurationError(
            "base_url must not carry credentials (user:password@host): they would show in "
            "reprs and errors; pass the key as api_key= or in the environment"
        )
    parsed = _parse(url)
    if parsed is None or not parsed.host:
        raise ConfigurationError(
            "base_url is not a valid URL (no host, or a space, control character or "
            f"backslash in it): {url!r}"
        )
    if "?" in url or "#" in url:
        raise ConfigurationError(
            f"base_url must not have a query (?) or a fragment (#), got {url!r}: callswitch "
            "adds each request's path to it, which would land inside the query; pass the "
            "scheme, host and path prefix only, e.g. https://api.example.com/v1"
        )
    if parsed.scheme == "http" and not allow_insecure_http and not _is_local(parsed.host):
        raise ConfigurationError(
            f"base_url {url!r} is plain http:// to {parsed.host}, which would send the API "
            "key in clear text; use https://, or pass allow_insecure_http=True to connect() "
            "if the network path is yours (plain http to 127.0.0.1/localhost is allowed)"
        )
    return url.rstrip("/")


def check_control_hosts(value: object) -> tuple[str, ...]:
    """The ``control_hosts`` setting as lower-case host names; else ConfigurationError."""
    if value is None:
        return ()
    items: Iterable[object] = (value,) if isinstance(value, str) else value  # type: ignore[assignment]
    if not isinstance(items, list | tuple | set | frozenset):
        raise ConfigurationError(
            f"control_hosts must be a list of host names, e.g. ['ctl.example.com'], got {value!r}"
        )
    hosts: list[str] = []
    for item in items:
        host = item.lower() if isinstance(item, str) else None
        if host is None or not _HOST_NAME.fullmatch(host):
            raise ConfigurationError(
                f"control_hosts entries must be plain host names such as 'ctl.example.com' "
                f"(no scheme, port, path, wildcard or trailing dot), got {item!r}"
            )
        hosts.append(host)
    return tuple(dict.fromkeys(hosts))


def _within(host: str, domains: Iterable[str]) -> bool:
    return any(host == d or host.endswith("." + d) for d in domains)


def origin_of(base_url: str) -> tuple[str, str, int | None]:
    """Scheme, host and port of a checked ``base_url`` (see :func:`check_base_url`): what
    :func:`trusted_url` compares with, computed once per client."""
    return _origin(httpx.URL(base_url))


def refuse_untrusted_url(
    provider: str, url: str, base_url: str, trusted: Iterable[str]
) -> ProviderError | None:
    """None if ``url`` (absolute, from a vendor answer) may be sent to; else the error
    that says which host was refused and how to allow it (see :func:`trusted_url`)."""
    checked = trusted_url(provider, url, origin_of(base_url), tuple(trusted))
    return checked if isinstance(checked, ProviderError) else None


def trusted_url(
    provider: str, url: str, base_origin: tuple[str, str, int | None], trusted: tuple[str, ...]
) -> httpx.URL | ProviderError:
    """``url`` (absolute, from a vendor answer) parsed as httpx will send it, if it may be
    sent to; else the error that says which host was refused and how to allow it.
    ``base_origin`` is the client's :func:`origin_of` its ``base_url``. Nothing in the
    error shows the URL's path or user info, which may be credentials."""
    parsed = _parse(url)
    if parsed is None or not parsed.host:
        return _refusal(provider, "an unparsable URL", "it is not a valid absolute URL")
    host = parsed.host
    if parsed.userinfo:
        return _refusal(provider, host, "it carries user:password@ credentials")
    if _origin(parsed) == base_origin:
        return parsed
    name = _plain_host(parsed)
    if parsed.scheme != "https":
        return _refusal(provider, host, f"it is {parsed.scheme}://, not https://")
    if name is None:
        return _refusal(
            provider,
            host,
            "its host is not a plain DNS name (an IP address, an IDNA form or a trailing dot)",
        )
    if not _within(name, trusted):
        allowed = ", ".join(sorted(set(trusted))) or "none"
        return _refusal(
            provider, name, f"it is not on a trusted domain (trusted: {allowed}, and base_url)"
        )
    return parsed


def _refusal(provider: str, host: str, why: str) -> ProviderError:
    return ProviderError(
        f"{provider} named a URL on {host} to send to, and callswitch refused it: {why}. "
        "Nothing was sent. If that host is really yours or the vendor's, pass "
        "control_hosts=['<host>'] to connect()",
        provider=provider,
    )
