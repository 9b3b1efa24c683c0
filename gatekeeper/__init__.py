"""gatekeeper: audits a backend repository against eight phase gates without running it."""

from __future__ import annotations

__version__ = "0.1.0"
