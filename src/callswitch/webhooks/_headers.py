"""Case-insensitive request headers, from any framework's shape."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from callswitch.errors import InvalidRequestError, InvalidSignatureError

__all__ = ["Headers"]


class Headers(Mapping[str, str]):
    """Case-insensitive, read-only request headers.

    Built from a mapping (``dict``, ``httpx.Headers``, Starlette ``Headers``...) or from a
    list of ``(name, value)`` pairs, ``str`` or ``bytes`` (ASGI ``scope["headers"]``).
    A name sent more than once keeps every value; :meth:`single` refuses a header
    repeated with different values, so that a signature is never read ambiguously.
    """

    __slots__ = ("_items",)
    _items: dict[str, list[str]]

    def __init__(
        self, headers: Mapping[str, str] | Iterable[tuple[str | bytes, str | bytes]] | None = None
    ) -> None:
        items: dict[str, list[str]] = {}
        if headers is None:
            pairs: Iterable[tuple[Any, Any]] = ()
        elif isinstance(headers, Headers):
            pairs = [(k, v) for k, values in headers._items.items() for v in values]
        elif isinstance(headers, Mapping):
            multi = getattr(headers, "multi_items", None)
            raw_list = getattr(headers, "raw", None)
            if callable(multi):  # httpx.Headers, starlette Headers keep repeated values
                pairs = multi()
            elif isinstance(raw_list, list):
                pairs = raw_list
            else:
                pairs = headers.items()
        else:
            pairs = headers
        try:
            for name, value in pairs:
                key = _text(name).strip().lower()
                items.setdefault(key, []).append(_text(value).strip())
        except (TypeError, ValueError) as exc:
            raise InvalidRequestError(
                "headers must be a mapping of names to values or a list of (name, value) "
                f"pairs of str or bytes ({exc})"
            ) from None
        self._items = items

    @classmethod
    def from_wsgi_environ(cls, environ: Mapping[str, Any]) -> Headers:
        """The request headers of a WSGI ``environ`` (``HTTP_*``, ``CONTENT_TYPE``...)."""
        pairs: list[tuple[str, str]] = []
        for key, value in environ.items():
            if key.startswith("HTTP_"):
                pairs.append((key[5:].replace("_", "-"), str(value)))
            elif key in {"CONTENT_TYPE", "CONTENT_LENGTH"} and value:
                pairs.append((key.replace("_", "-"), str(value)))
        return cls(pairs)

    def __getitem__(self, name: str) -> str:
        return self._items[name.lower()][0]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._items

    def get_all(self, name: str) -> tuple[str, ...]:
        return tuple(self._items.get(name.lower(), ()))

    def single(self, name: str, provider: str) -> str | None:
        """The header's value, ``None`` when absent; refuses conflicting repeats."""
        values = set(self.get_all(name))
        if len(values) > 1:
            raise InvalidSignatureError(
                f"{provider} webhook: the {name} header was sent {len(self.get_all(name))} "
                "times with different values; refusing to guess which one is signed"
            )
        return next(iter(values)) if values else None

    def __repr__(self) -> str:
        # Header values can hold secrets (Authorization, X-Vapi-Secret): names only.
        return f"Headers({sorted(self._items)})"


def _text(value: str | bytes) -> str:
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("latin-1")
    if isinstance(value, str):
        return value
    raise TypeError(f"expected str or bytes, got {type(value).__name__}")
