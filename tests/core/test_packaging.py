"""The public surface: __all__ matches what is exported, imports are clean and lazy."""

from __future__ import annotations

import subprocess
import sys

import callswitch
from callswitch import errors


def test_all_matches_public_names() -> None:
    public = {
        name
        for name, value in vars(callswitch).items()
        if not name.startswith("_") and getattr(value, "__module__", "").startswith("callswitch")
    }
    public |= {"errors", "webhooks", "__version__"}
    assert set(callswitch.__all__) >= public - {"annotations"}
    for name in callswitch.__all__:
        assert hasattr(callswitch, name), name


def test_contract_errors_exist_and_root_at_callswitch_error() -> None:
    names = [
        "ConfigurationError",
        "InvalidRequestError",
        "UnsupportedCapabilityError",
        "ProviderError",
        "AuthenticationError",
        "PermissionDeniedError",
        "NotFoundError",
        "InvalidCallStateError",
        "RateLimitError",
        "ServerError",
        "TransportError",
        "OutcomeUnknownError",
    ]
    for name in names:
        cls = getattr(errors, name)
        assert issubclass(cls, errors.CallswitchError), name
    assert issubclass(errors.NotFoundError, errors.ProviderError)
    assert issubclass(errors.OutcomeUnknownError, errors.TransportError)
    assert issubclass(errors.InvalidRequestError, ValueError)


def test_version_is_a_string() -> None:
    assert callswitch.__version__.count(".") >= 2


def _run(code: str) -> str:
    out = subprocess.run(
        [sys.executable, "-W", "error", "-c", code], capture_output=True, text=True, check=True
    )
    return out.stdout.strip()


def test_import_is_clean_and_loads_no_provider() -> None:
    """Importing callswitch and listing providers imports no provider plugin."""
    code = (
        "import sys, callswitch; names = callswitch.providers(); "
        "print(sorted(m for m in sys.modules if m.startswith('callswitch_')), "
        "'retell' in names and 'vapi' in names and 'truedy' in names)"
    )
    assert _run(code) == "[] True"


def test_connect_loads_only_that_provider() -> None:
    code = (
        "import sys, callswitch; callswitch.connect('retell', api_key='k'); "
        "print(sorted({m.split('.')[0] for m in sys.modules if m.startswith('callswitch_')}))"
    )
    assert _run(code) == "['callswitch_retell']"
