"""Text from the target is untrusted: escape what a terminal would act on, cap its length."""

from __future__ import annotations

MAX_TEXT = 2000


def _escape(char: str) -> str:
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def clean(text: str, limit: int = MAX_TEXT) -> str:
    """No control, format (bidi) or surrogate character survives; long text is cut with a marker.

    The same rule as repo.display_path, without doubling backslashes: this runs on whole
    messages at output time, after display_path has already escaped the paths inside them.
    """
    if len(text) > limit:
        text = text[:limit] + f"... [{len(text) - limit} more characters]"
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else _escape(ch) for ch in text)


def for_log(text: str, limit: int = MAX_TEXT) -> str:
    """Also neutralize GitHub Actions workflow commands (`::set-output`, `::add-mask` ...)."""
    return clean(text, limit).replace("::", ":\u200b:")
