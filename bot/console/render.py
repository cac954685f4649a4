"""Telegram HTML as terminal text (imported by CLI commands that print replies; it imports nothing heavy)."""

from __future__ import annotations

import html
import re

_TAG = re.compile(r"<[^>]+>")
_BOLD = re.compile(r"</?b>")
_QUOTE = re.compile(r"<blockquote[^>]*>(.*?)</blockquote>\n?", re.S)
QUOTE_MARK = "  │ "


def _quoted(match: re.Match[str]) -> str:
    """A (collapsed on Telegram) blockquote as indented lines with a bar, so the evidence reads as a block."""
    return "".join(QUOTE_MARK + line + "\n" for line in match.group(1).split("\n"))


def render_html(text: str, color: bool = False) -> str:
    """Telegram HTML as terminal text: quotes as barred lines, bold kept as ANSI bold on a colour terminal, other
    tags dropped (a date-time entity shows its explicit UTC text)."""
    text = _QUOTE.sub(_quoted, text)
    if color:
        text = _BOLD.sub(lambda m: "\033[0m" if m.group(0) == "</b>" else "\033[1m", text)
    return html.unescape(_TAG.sub("", text))
