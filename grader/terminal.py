"""Text for a terminal: stored text (a student's id or answer, a question pack's prompt, a
progress database's entries) printed with its control characters visibly escaped, so it
cannot move the cursor, clear the screen or change colours (``\\x1b[2J`` prints as
``\\u001b[2J``). Kept free of heavy imports: error messages use it too."""

from __future__ import annotations

import unicodedata

__all__ = ["safe_terminal_block", "safe_terminal_text"]


def safe_terminal_text(text: str, limit: int = 400) -> str:
    """`text` with control and format characters shown as ``\\uXXXX``, cut to `limit`."""
    out = []
    for ch in text[:limit]:
        cat = unicodedata.category(ch)
        if ch in "\n\t":
            out.append(" ")
        elif cat in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"):
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    if len(text) > limit:
        out.append(f"... ({len(text)} characters)")
    return "".join(out)


def safe_terminal_block(text: str) -> str:
    """A text of several lines for a terminal: each line as `safe_terminal_text` shows it
    (control characters such as ESC visibly escaped), the line breaks kept. For whole
    outputs that hold stored text (a question pack's, a progress database's)."""
    return "\n".join(safe_terminal_text(line, len(line)) for line in text.split("\n"))
