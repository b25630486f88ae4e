"""Routers: one client surface over several vendors, with failover that never dials twice.

``Router`` (sync) and ``AsyncRouter`` (async) try their clients in order for each new
call, skip a vendor that lacks a required capability or is cooling down, and move on to
the next only when the failed vendor provably created nothing (see ``_policy``).
"""

from __future__ import annotations

from callswitch.router._async import AsyncRouter, AsyncRouterCalls
from callswitch.router._policy import Action, Decision, decide
from callswitch.router._refs import parse_ref, ref_of
from callswitch.router._router import Router, RouterCalls

__all__ = [
    "Action",
    "AsyncRouter",
    "AsyncRouterCalls",
    "Decision",
    "Router",
    "RouterCalls",
    "decide",
    "parse_ref",
    "ref_of",
]
