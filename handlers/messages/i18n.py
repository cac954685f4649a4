"""Message catalogs: every user-facing string, per language, from TOML files under handlers/locales/.

Layout: handlers/locales/<lang>/<domain>.toml, flat `key = "text with {placeholders}"` tables
(dotted keys allowed). All files of a language are merged; a key defined twice is an error.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Any

LANGUAGES = ("en", "zh-TW")
DEFAULT_LANGUAGE = "en"


def _flatten(prefix: str, table: dict[str, Any], out: dict[str, str], origin: str) -> None:
    for key, value in table.items():
        full = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            _flatten(full, value, out, origin)
        elif isinstance(value, str):
            if full in out:
                raise ValueError(f"{origin}: message key {full} is defined twice")
            out[full] = value
        else:
            raise ValueError(f"{origin}: message {full} must be a string")


@cache
def messages(lang: str) -> dict[str, str]:
    """All messages of one language, by key."""
    out: dict[str, str] = {}
    root = resources.files("regimebot.handlers").joinpath("locales", lang)
    for entry in sorted(root.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            _flatten("", tomllib.loads(entry.read_text(encoding="utf-8")), out, f"{lang}/{entry.name}")
    return out


def normalize_language(code: str | None) -> str:
    """Map a Telegram language_code (e.g. 'zh-hant', 'zh-TW', 'en-US') to a supported language."""
    if not code:
        return DEFAULT_LANGUAGE
    c = code.lower()
    if c.startswith("zh"):
        return "zh-TW"
    return "en"


def t(lang: str, key: str, /, **values: Any) -> str:
    """The message `key` in `lang` (falling back to English), with {placeholders} filled in."""
    table = messages(lang if lang in LANGUAGES else DEFAULT_LANGUAGE)
    template = table.get(key)
    if template is None:
        template = messages(DEFAULT_LANGUAGE)[key]
    return template.format(**values) if values else template
