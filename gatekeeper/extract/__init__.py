"""Per-file extractors, written out in one registry tuple; workers run them by name."""

from __future__ import annotations

from gatekeeper.extract import imports
from gatekeeper.extract.base import Extractor

EXTRACTORS: tuple[Extractor, ...] = (
    imports.PYTHON,
    imports.JAVASCRIPT,
    imports.GO,
    imports.JAVA,
)
