"""Schema sources read statically (Alembic, Django, SQL) and replayed into one schema model.

gatekeeper.extract registers this package's extractors and they import gatekeeper.extract.base;
importing gatekeeper.extract first makes either import order complete without a cycle error.
"""

from __future__ import annotations

import gatekeeper.extract  # noqa: F401  (see the docstring)
