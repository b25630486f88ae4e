"""A conformance suite for provider plugins: the checks every callswitch provider passes.

Subclass :class:`ProviderConformance` in your plugin's tests, name your provider and give
a few response bodies your vendor really sends; pytest collects the inherited tests::

    from callswitch.testing import ProviderConformance

    class TestAcmeConformance(ProviderConformance):
        provider = "acme"                      # installed through its entry point
        get_responses = [{"id": "c1", "state": "live"}]     # bodies of a get-call response
        list_responses = [{"calls": [{"id": "c1"}], "next": None}]   # a list page

The suite needs no network and no pytest fixtures; each check is a plain ``test_*``
method, so it also runs under ``unittest``-style runners that collect by name. It checks:

- the spec loads through the registry (or from ``plugin``, a module not yet installed);
- every capability is declared with a note and a source;
- every supported operation is implemented by the adapter (overridden from
  :class:`~callswitch.provider.Adapter`), and webhook rules load where verification is
  declared;
- operations are plans: generators whose first request is a relative path, with a JSON
  body that serializes; live control never sends a repeatable-looking write;
- mapping never crashes on the bodies you give, nor on them with unknown fields added
  (which must survive into ``Call.raw``) or with any string replaced by an unknown value
  (a :class:`~callswitch.errors.ProviderError` is an acceptable answer, a ``KeyError`` is
  not);
- error responses become typed :class:`~callswitch.errors.ProviderError` subclasses;
- a :class:`~callswitch.CallUpdate` or :class:`~callswitch.LiveControl` field the provider
  declares unsupported is refused before anything is sent, and a supported one reaches
  the adapter's plan.
"""

from __future__ import annotations

import contextlib
import inspect
import json
import warnings
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import httpx

from callswitch.capabilities import (
    CONTROL_FIELDS,
    PRIVACY_CAPABILITIES,
    UPDATE_FIELDS,
    Capability,
)
from callswitch.errors import (
    AuthenticationError,
    ProviderError,
    RateLimitError,
    ServerError,
    UnsupportedCapabilityWarning,
)
from callswitch.http import Page, Plan, Request, Safety
from callswitch.models import (
    Call,
    NewPhoneCall,
    NewWebCall,
)
from callswitch.provider import HOOK_API_VERSION, Adapter, ProviderSpec, load_object

__all__ = ["CALL_ID", "ProviderConformance", "sample_control", "sample_update"]

from callswitch.testing._samples import (
    _METHODS,
    _UNKNOWN_KEY,
    _UNKNOWN_VALUE,
    CALL_ID,
    _drive,
    _refusal,
    _replaced,
    _response,
    _string_paths,
    _supported_control,
    _with_unknown_fields,
    sample_control,
    sample_update,
)


class ProviderConformance:
    """Base class for a plugin's conformance tests. Set ``provider`` and the sample bodies.

    ``provider``: the provider name. ``plugin``: optionally, a module (or object) with a
    ``register_providers`` hook, for a plugin that is not installed; by default the
    provider is looked up among the installed entry points. ``get_responses``: bodies of
    successful ``calls.get`` responses, as minimal as your vendor sends. ``list_responses``:
    bodies of ``calls.list`` pages (required when ``calls.list`` is supported).
    """

    provider: ClassVar[str]
    plugin: ClassVar[object | None] = None
    get_responses: ClassVar[Sequence[Any]] = ()
    list_responses: ClassVar[Sequence[Any]] = ()

    # -- helpers -----------------------------------------------------------------------
    def load_spec(self) -> ProviderSpec:
        """The provider's spec, as callswitch would load it."""
        from callswitch.registry import Registry, default_registry

        if self.plugin is None:
            return default_registry().get(self.provider)
        # A private registry with no entry points: the plugin under test and nothing else.
        registry = Registry(group="callswitch.conformance-private")
        registry.register_plugin(self.plugin)
        return registry.get(self.provider)

    def make_adapter(self) -> Adapter:
        spec = self.load_spec()
        return spec.load_adapter()(spec.capabilities)

    def make_client(self, on_unsupported: str = "error") -> tuple[Any, list[httpx.Request]]:
        """A Client for the provider on a transport that records requests and answers 500."""
        from callswitch.client import Client
        from callswitch.config import Secret, Settings

        spec = self.load_spec()
        sent: list[httpx.Request] = []

        def handler(request: httpx.Request) -> httpx.Response:
            sent.append(request)
            return httpx.Response(500, json={"message": "conformance transport"})

        settings = Settings(
            provider=spec.name,
            api_key=Secret("conformance-key"),
            base_url="https://conformance.invalid",
            max_retries=0,
            on_unsupported="drop" if on_unsupported == "drop" else "error",
        )
        http = httpx.Client(transport=httpx.MockTransport(handler))
        return Client.from_spec(spec, settings, http), sent

    def _operation_plans(self, adapter: Adapter) -> dict[Capability, Callable[[], Plan[Any]]]:
        return {
            Capability.CALLS_GET: lambda: adapter.get(CALL_ID),
            Capability.CALLS_LIST: lambda: adapter.list_page(filters={}, page_size=10, cursor=None),
            Capability.CALLS_CREATE_PHONE: lambda: adapter.create_phone(
                NewPhoneCall(
                    to_number="+14155550123",
                    from_number="+14155550100",
                    agent_id="agent_conformance",
                ),
                {},
            ),
            Capability.CALLS_CREATE_WEB: lambda: adapter.create_web(
                NewWebCall(agent_id="agent_conformance"), {}
            ),
            Capability.CALLS_END: lambda: adapter.end(CALL_ID),
            Capability.CALLS_DELETE: lambda: adapter.delete(CALL_ID),
        }

    # -- the spec and its declarations ------------------------------------------------
    def test_spec_loads(self) -> None:
        """The spec registers under its name, for this plugin API, with a usable adapter."""
        spec = self.load_spec()
        assert spec.name == self.provider
        assert spec.capabilities.provider == self.provider
        assert 1 <= spec.hook_api_version <= HOOK_API_VERSION
        assert spec.default_base_url.startswith(("https://", "http://")), spec.default_base_url
        assert spec.api_key_env, "api_key_env names the variable that holds the key"
        assert spec.api_key_env == spec.api_key_env.upper(), "environment variables: UPPER_CASE"
        adapter_cls = spec.load_adapter()
        assert adapter_cls.name == self.provider, (
            f"{adapter_cls.__name__}.name is {adapter_cls.name!r}, the spec says {self.provider!r}"
        )
        assert adapter_cls.default_page_size >= 1
        headers = adapter_cls(spec.capabilities).auth_headers("conformance-key")
        assert headers, "auth_headers must return the headers that carry the key"
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in headers.items())

    def test_every_capability_declared_with_note_and_source(self) -> None:
        caps = self.load_spec().capabilities
        problems = []
        for cap in Capability:
            row = caps[cap]
            if not row.note.strip():
                problems.append(f"{cap.value}: empty note")
            if not row.source.strip():
                problems.append(f"{cap.value}: empty source")
            if row.condition is not None and not row.condition.strip():
                problems.append(f"{cap.value}: empty condition (use None for none)")
            if not row.supported and row.condition:
                problems.append(f"{cap.value}: a condition on an unsupported capability")
        assert not problems, "; ".join(problems)

    def test_supported_operations_are_implemented(self) -> None:
        """Each supported operation overrides the Adapter base method; fields need their
        operation; declared webhook verification has loadable rules."""
        spec = self.load_spec()
        adapter_cls = spec.load_adapter()
        caps = spec.capabilities
        methods = {
            Capability.CALLS_GET: "get",
            Capability.CALLS_LIST: "list_page",
            Capability.CALLS_CREATE_PHONE: "create_phone",
            Capability.CALLS_CREATE_WEB: "create_web",
            Capability.CALLS_UPDATE: "update",
            Capability.CALLS_CONTROL: "control",
            Capability.CALLS_END: "end",
            Capability.CALLS_DELETE: "delete",
        }
        problems = []
        for cap, method in methods.items():
            if caps.supports(cap) and getattr(adapter_cls, method) is getattr(Adapter, method):
                problems.append(f"{cap.value} is declared supported but {method}() is missing")
        for fields, operation in (
            (UPDATE_FIELDS, Capability.CALLS_UPDATE),
            (CONTROL_FIELDS, Capability.CALLS_CONTROL),
        ):
            for cap in fields.values():
                if caps.supports(cap) and not caps.supports(operation):
                    problems.append(f"{cap.value} is supported but {operation.value} is not")
        if caps.supports(Capability.WEBHOOKS_VERIFY):
            if not spec.webhooks:
                problems.append("webhooks.verify is supported but the spec names no webhooks")
            else:
                load_object(spec.webhooks, spec.name)
        assert not problems, "; ".join(problems)

    # -- plans --------------------------------------------------------------------------
    def _check_first_request(self, what: str, plan: Plan[Any]) -> Request:
        assert inspect.isgenerator(plan), f"{what} must be a generator (a plan), got {plan!r}"
        try:
            request = next(plan)
        finally:
            plan.close()
        assert isinstance(request, Request), f"{what} yielded {request!r}, not a Request"
        assert request.method in _METHODS, f"{what}: method {request.method!r}"
        assert request.path.startswith("/"), (
            f"{what}: the first request's path {request.path!r} must be relative to the "
            "base URL (start with /) so that emulators and proxies work"
        )
        json.dumps(request.json)
        return request

    def test_operations_are_plans_with_relative_paths(self) -> None:
        spec = self.load_spec()
        adapter = spec.load_adapter()(spec.capabilities)
        for cap, make in self._operation_plans(adapter).items():
            if spec.capabilities.supports(cap):
                request = self._check_first_request(cap.value, make())
                if cap in (Capability.CALLS_GET, Capability.CALLS_END, Capability.CALLS_DELETE):
                    assert CALL_ID in request.path or CALL_ID in json.dumps(request.json), (
                        f"{cap.value}: the call id is in neither the path nor the body"
                    )

    def test_supported_update_fields_reach_the_plan(self) -> None:
        """Each supported CallUpdate field, alone, gives a plan that starts a request."""
        spec = self.load_spec()
        adapter = spec.load_adapter()(spec.capabilities)
        for field, cap in UPDATE_FIELDS.items():
            if spec.capabilities.supports(cap):
                plan = adapter.update(CALL_ID, sample_update(field), {})
                self._check_first_request(f"update({field}=...)", plan)

    def test_supported_control_fields_reach_the_plan(self) -> None:
        """Each supported LiveControl field gives a plan whose writes are never repeated."""
        spec = self.load_spec()
        caps = spec.capabilities
        adapter = spec.load_adapter()(caps)
        for field, cap in CONTROL_FIELDS.items():
            if not caps.supports(cap):
                continue
            request = self._check_first_request(
                f"control({field}=...)", adapter.control(CALL_ID, _supported_control(field), {})
            )
            if request.method != "GET":
                assert request.safety is Safety.UNSAFE, (
                    f"control({field}=...) sends {request.method} {request.path} marked "
                    "idempotent: live control must be Safety.UNSAFE so it is never repeated"
                )

    # -- mapping ------------------------------------------------------------------------
    def _get_bodies(self) -> Sequence[Any]:
        assert self.get_responses, (
            f"{type(self).__name__}.get_responses is empty: give at least one body of a "
            "successful calls.get response, as minimal as the vendor sends"
        )
        return self.get_responses

    def _map_get(self, body: Any) -> Call:
        adapter = self.make_adapter()
        call = _drive(adapter.get(CALL_ID), body, self.provider)
        assert isinstance(call, Call), f"get() returned {call!r}, not a Call"
        assert call.provider == self.provider
        return call

    def test_mapping_minimal_payloads(self) -> None:
        for body in self._get_bodies():
            call = self._map_get(body)
            assert call.id, "a mapped call has an id"
            assert call.raw, "Call.raw keeps the vendor payload"

    def test_mapping_keeps_unknown_fields_in_raw(self) -> None:
        for body in self._get_bodies():
            call = self._map_get(_with_unknown_fields(body))
            assert _UNKNOWN_KEY in json.dumps(call.raw), (
                "an unknown vendor field must survive in Call.raw"
            )

    def test_mapping_survives_unknown_values(self) -> None:
        """Any string in a body replaced by an unknown value: a Call or a ProviderError."""
        problems = []
        for body in self._get_bodies():
            for path in _string_paths(body):
                variant = _replaced(body, path, _UNKNOWN_VALUE)
                try:
                    self._map_get(variant)
                except ProviderError:
                    continue
                except Exception as exc:
                    where = "/".join(map(str, path))
                    problems.append(f"{where}: {type(exc).__name__}: {exc}")
        assert not problems, "mapping crashed on unknown values: " + "; ".join(problems)

    def test_list_pages_map(self) -> None:
        spec = self.load_spec()
        if not spec.capabilities.supports(Capability.CALLS_LIST):
            assert not self.list_responses, "list_responses given but calls.list is unsupported"
            return
        assert self.list_responses, (
            f"{type(self).__name__}.list_responses is empty: give at least one body of a "
            "calls.list page"
        )
        for body in self.list_responses:
            for variant in (body, _with_unknown_fields(body)):
                adapter = spec.load_adapter()(spec.capabilities)
                plan = adapter.list_page(filters={}, page_size=10, cursor=None)
                page = _drive(plan, variant, self.provider)
                assert isinstance(page, Page), f"list_page() returned {page!r}, not a Page"
                assert all(isinstance(c, Call) for c in page.items)

    def test_error_responses_become_typed_errors(self) -> None:
        adapter = self.make_adapter()
        bodies: list[bytes] = [
            b"",
            b"<html><body>Bad gateway</body></html>",
            b'{"message": "conformance"}',
            b"[1, 2]",
            b'{"error": {"nested": true}}',
            b"null",
        ]
        expected: dict[int, type[ProviderError]] = {
            400: ProviderError,
            401: AuthenticationError,
            403: ProviderError,
            404: ProviderError,
            409: ProviderError,
            422: ProviderError,
            429: RateLimitError,
            500: ServerError,
            503: ServerError,
        }
        for status, cls in expected.items():
            for body in bodies:
                error = adapter.error_for(_response(body, self.provider, status))
                assert isinstance(error, cls), (
                    f"HTTP {status} with body {body!r} became {type(error).__name__}, "
                    f"expected a {cls.__name__}"
                )
                assert error.provider == self.provider
                assert error.status_code == status

    # -- the unsupported-field policy --------------------------------------------------
    def test_unsupported_update_fields_refused_before_sending(self) -> None:
        caps = self.load_spec().capabilities
        for field, cap in UPDATE_FIELDS.items():
            refused = not caps.supports(cap) or not caps.supports(Capability.CALLS_UPDATE)
            client, sent = self.make_client()
            with client:
                update = sample_update(field)
                if refused:
                    exc = _refusal(f"update({field}=...)", client.calls.update, CALL_ID, update)
                    assert exc.provider == self.provider
                    assert sent == [], f"update({field}=...) sent {len(sent)} request(s)"
                else:
                    # The transport answers 500: reaching it is what is checked.
                    with contextlib.suppress(ProviderError):
                        client.calls.update(CALL_ID, update)
                    assert sent, f"update({field}=...) is supported but sent nothing"

    def test_unsupported_update_fields_dropped_on_request(self) -> None:
        """With on_unsupported="drop" an unsupported field alone sends nothing and is
        reported; a privacy field is refused even then."""
        caps = self.load_spec().capabilities
        for field, cap in UPDATE_FIELDS.items():
            if caps.supports(cap) and caps.supports(Capability.CALLS_UPDATE):
                continue
            client, sent = self.make_client("drop")
            with client, warnings.catch_warnings(record=True):
                warnings.simplefilter("always", UnsupportedCapabilityWarning)
                update = sample_update(field)
                if cap in PRIVACY_CAPABILITIES:
                    _refusal(f"privacy field {field}", client.calls.update, CALL_ID, update)
                else:
                    result = client.calls.update(CALL_ID, update)
                    assert cap.value in result.dropped
            assert sent == [], f"update({field}=...) sent {len(sent)} request(s)"

    def test_unsupported_control_fields_refused_before_sending(self) -> None:
        caps = self.load_spec().capabilities
        for field, cap in CONTROL_FIELDS.items():
            if caps.supports(cap) and caps.supports(Capability.CALLS_CONTROL):
                client, sent = self.make_client()
                with client, contextlib.suppress(ProviderError):
                    client.calls.control(CALL_ID, _supported_control(field))
                assert sent, f"control({field}=...) is supported but sent nothing"
                continue
            client, sent = self.make_client()
            control = sample_control(field)
            with client:
                exc = _refusal(f"control({field}=...)", client.calls.control, CALL_ID, control)
            assert cap.value in exc.capabilities, exc
            assert sent == [], f"control({field}=...) sent {len(sent)} request(s)"
