"""Telegram HTML as terminal text (imported by CLI commands that print replies; it imports nothing heavy)."""

from __future__ import annotations

import html
import re

_TAG = re.compile(r"<[^>]+>")
_BOLD = re.compile(r"</?b>")


def render_html(text: str, color: bool = False) -> str:
    """Telegram HTML as terminal text: bold kept as ANSI bold on a colour terminal, other tags dropped."""
    if color:
        text = _BOLD.sub(lambda m: "\033[0m" if m.group(0) == "</b>" else "\033[1m", text)
    return html.unescape(_TAG.sub("", text))
