"""Fixtures for the reliability tests (helpers live in reliability_support.py beside this)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from reliability_support import sleeps

__all__ = ["sleeps"]
