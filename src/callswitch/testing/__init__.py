"""Helpers for testing code built on callswitch.

- :class:`ProviderConformance`: the checks every provider plugin passes (see
  :mod:`callswitch.testing._conformance` and ``docs/plugins.md``).
- :func:`sign_webhook`: a webhook delivery signed as the vendor signs it, to unit-test
  your handlers (``docs/webhooks.md``).
"""

from __future__ import annotations

from callswitch.testing._conformance import (
    CALL_ID,
    ProviderConformance,
    sample_control,
    sample_update,
)
from callswitch.testing._webhooks import sign_webhook

__all__ = ["CALL_ID", "ProviderConformance", "sample_control", "sample_update", "sign_webhook"]
