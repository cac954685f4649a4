"""Message catalogs: both languages have the same keys and the same {placeholders}, file by file."""

from __future__ import annotations

import re
import string
import tomllib
from importlib import resources

import pytest

from regimebot.handlers.messages.i18n import LANGUAGES, _flatten, messages, t

ROOT = resources.files("regimebot.handlers").joinpath("locales")


def _files(lang: str) -> dict[str, dict[str, str]]:
    out = {}
    for entry in sorted(ROOT.joinpath(lang).iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            flat: dict[str, str] = {}
            _flatten("", tomllib.loads(entry.read_text(encoding="utf-8")), flat, entry.name)
            out[entry.name] = flat
    return out


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_every_language_has_the_same_files():
    names = {lang: set(_files(lang)) for lang in LANGUAGES}
    assert names["en"], "no catalogs found"
    for lang in LANGUAGES:
        assert names[lang] == names["en"], f"{lang} files differ from en: {names[lang] ^ names['en']}"


@pytest.mark.parametrize("filename", sorted(_files("en")))
def test_each_file_has_the_same_keys_and_placeholders(filename):
    english = _files("en")[filename]
    for lang in LANGUAGES:
        other = _files(lang).get(filename, {})
        missing = sorted(set(english) - set(other))
        extra = sorted(set(other) - set(english))
        assert not missing and not extra, f"{lang}/{filename}: missing {missing}, extra {extra}"
        for key, text in english.items():
            assert _placeholders(other[key]) == _placeholders(text), f"{lang}/{filename} {key}: placeholders differ"


def test_no_message_is_empty_and_zh_tw_is_translated():
    english = messages("en")
    chinese = messages("zh-TW")
    assert all(v.strip() for v in english.values())
    assert all(v.strip() for v in chinese.values())
    han = re.compile(r"[\u4e00-\u9fff]")
    prose = [k for k, v in english.items() if len(re.sub(r"\{[^}]*\}|<[^>]*>|/\w+", "", v).split()) >= 4]
    untranslated = [k for k in prose if not han.search(chinese[k])]
    assert not untranslated, f"zh-TW keeps English prose for {untranslated[:10]}"


def test_t_fills_placeholders_and_falls_back_to_english_for_unknown_languages():
    assert t("en", "settings.language", value="X") == "Language: X"
    assert t("zh-TW", "settings.language", value="X") == "語言：X"
    assert t("fr", "settings.language", value="X") == "Language: X"
