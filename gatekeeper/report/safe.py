"""Text from the target is untrusted: escape control characters and cap its length everywhere."""

from __future__ import annotations

import re

MAX_TEXT = 2000
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def _escape(m: re.Match[str]) -> str:
    ch = m.group(0)
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def clean(text: str, limit: int = MAX_TEXT) -> str:
    """No newline, ESC or other control character survives; long text is cut with a marker."""
    if len(text) > limit:
        text = text[:limit] + f"... [{len(text) - limit} more characters]"
    return _CONTROL.sub(_escape, text)


def for_log(text: str, limit: int = MAX_TEXT) -> str:
    """Also neutralize GitHub Actions workflow commands (`::set-output`, `::add-mask` ...)."""
    return clean(text, limit).replace("::", ":\u200b:")
