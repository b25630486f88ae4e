"""Webhook verification and normalized call events (see the webhooks issue)."""

from __future__ import annotations

__all__: list[str] = []
