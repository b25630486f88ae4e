"""Vapi HMAC server credentials whose ``payloadFormat`` uses ``{method}``, ``{url}`` or
``{svix-id}`` besides ``{timestamp}`` and ``{body}`` (vapi-server-sdk 3.0.0
``types/hmac_authentication_plan.py``: "{method} for HTTP method, {url} for URL, {svix-id}
for unique message ID", the ID sent in ``messageIdHeader``).

The three are filled in here, then the signature is checked by the core HMAC check like
any other: ``{method}`` and ``{url}`` from the configuration (what you receive on),
``{svix-id}`` from the request's ``message_id_header``.
"""

from __future__ import annotations

from typing import Any

import attrs

from callswitch.errors import InvalidRequestError, InvalidSignatureError
from callswitch.plugin import Headers, HmacAuth

__all__ = ["EXTRA_PLACEHOLDERS", "VapiHmacAuth", "resolved_auth"]

EXTRA_PLACEHOLDERS = ("{method}", "{url}", "{svix-id}")
_KNOWN = ("{timestamp}", "{body}", *EXTRA_PLACEHOLDERS)


def _check_format(_inst: Any, _attr: Any, value: Any) -> None:
    if value is None:
        return
    if not isinstance(value, str) or "{body}" not in value:
        raise InvalidRequestError(
            f"VapiHmacAuth payload_format {value!r} must contain {{body}}: a signature that "
            "does not cover the body proves nothing about it"
        )
    rest = value
    for name in _KNOWN:
        rest = rest.replace(name, "")
    if "{" in rest or "}" in rest:
        raise InvalidRequestError(
            f"VapiHmacAuth payload_format {value!r} uses a placeholder Vapi does not define; "
            f"Vapi's are {', '.join(_KNOWN)}"
        )


def _no_braces(_inst: Any, attribute: Any, value: Any) -> None:
    if isinstance(value, str) and ("{" in value or "}" in value):
        raise InvalidRequestError(
            f"VapiHmacAuth {attribute.name} must not contain braces (a URL sends them "
            "percent-encoded); give it exactly as configured in Vapi"
        )


@attrs.frozen
class VapiHmacAuth(HmacAuth):
    """:class:`~callswitch.webhooks.HmacAuth` for Vapi's extra ``payloadFormat`` placeholders.

    ``url`` is your server URL exactly as set in Vapi (needed for ``{url}``); ``method``
    the request method Vapi signs (``POST``, the method server messages arrive with);
    ``message_id_header`` the ``messageIdHeader`` you configured (needed for
    ``{svix-id}``; Vapi documents no default). Other fields as for ``HmacAuth``.
    """

    payload_format: str | None = attrs.field(default=None, validator=_check_format)
    url: str | None = attrs.field(default=None, validator=_no_braces)
    method: str = attrs.field(default="POST", validator=_no_braces)
    message_id_header: str | None = None

    def __attrs_post_init__(self) -> None:
        fmt = self.payload_format or ""
        if "{url}" in fmt and not self.url:
            raise InvalidRequestError(
                "payload_format signs {url}: set url= to your server URL exactly as set in Vapi"
            )
        if "{svix-id}" in fmt and not self.message_id_header:
            raise InvalidRequestError(
                "payload_format signs {svix-id}: set message_id_header= to the "
                "messageIdHeader configured on the Vapi credential"
            )


def resolved_auth(auth: VapiHmacAuth, headers: Headers, provider: str) -> HmacAuth:
    """``auth`` as a plain HmacAuth: ``{method}``, ``{url}`` and ``{svix-id}`` replaced by
    their values for this request; InvalidSignatureError when the message id is missing
    or malformed."""
    fmt = auth.payload_format
    if fmt is not None and "{svix-id}" in fmt:
        assert auth.message_id_header  # checked at construction
        message_id = headers.single(auth.message_id_header, provider)
        if not message_id:
            raise InvalidSignatureError(
                f"{provider} webhook has no {auth.message_id_header} header; the signature "
                "covers the message id, so it cannot be checked without one"
            )
        if "{" in message_id or "}" in message_id:
            raise InvalidSignatureError(
                f"{provider} webhook {auth.message_id_header} header is malformed"
            )
        fmt = fmt.replace("{svix-id}", message_id)
    if fmt is not None:
        fmt = fmt.replace("{method}", auth.method).replace("{url}", auth.url or "")
    return HmacAuth(
        auth.secret,
        algorithm=auth.algorithm,
        encoding=auth.encoding,
        signature_header=auth.signature_header,
        timestamp_header=auth.timestamp_header,
        payload_format=fmt,
        signature_prefix=auth.signature_prefix,
        secret_is_base64=auth.secret_is_base64,
    )
