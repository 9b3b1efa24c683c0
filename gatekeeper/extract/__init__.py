"""Per-file extractors, written out in one registry tuple; workers run them by name.

To add one: give it a stable `name`, its `languages` and an `extract`, then list it here.
"""

from __future__ import annotations

from gatekeeper.extract import imports
from gatekeeper.extract.base import Extractor

EXTRACTORS: tuple[Extractor, ...] = (
    imports.PYTHON,
    imports.JAVASCRIPT,
    imports.GO,
    imports.JAVA,
)
