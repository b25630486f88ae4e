"""Helpers for testing code built on callswitch.

- :class:`ProviderConformance`: the checks every provider plugin passes (see
  :mod:`callswitch.testing._conformance` and ``docs/plugins.md``).
"""

from __future__ import annotations

from callswitch.testing._conformance import (
    CALL_ID,
    ProviderConformance,
    sample_control,
    sample_update,
)

__all__ = ["CALL_ID", "ProviderConformance", "sample_control", "sample_update"]
