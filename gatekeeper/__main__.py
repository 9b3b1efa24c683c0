from __future__ import annotations

from gatekeeper.cli import main

if __name__ == "__main__":
    main()
