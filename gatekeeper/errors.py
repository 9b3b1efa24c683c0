"""gatekeeper's exception tree; the CLI maps each branch to one exit code.

GatekeeperError
├── UsageError            bad command-line use                      -> exit 2
├── ConfigError           invalid or ambiguous configuration        -> exit 2
├── DataFormatError       invalid YAML/JSON in the target (yamlsafe) -> a finding naming the file
│   └── YamlError
├── EngineError           an analyzer failed as a whole             -> criteria become `error`
│   ├── EngineTimeout
│   └── EngineOutputError (missing or invalid output, unexpected exit)
└── UnsafePathError       a path that would leave the audited root
"""

from __future__ import annotations


class GatekeeperError(Exception):
    """Base of every error gatekeeper raises on purpose."""


class UsageError(GatekeeperError):
    pass


class ConfigError(GatekeeperError):
    """A configuration problem; the message names the file, the key and the fix."""


class EngineError(GatekeeperError):
    def __init__(self, engine: str, message: str) -> None:
        super().__init__(f"{engine}: {message}")
        self.engine = engine
        self.detail = message


class EngineTimeout(EngineError):
    pass


class EngineOutputError(EngineError):
    pass


class UnsafePathError(GatekeeperError):
    pass
