"""The alert message: content, escaping, both languages, buttons; and how long HTML is split for Telegram."""

from __future__ import annotations

import html
import re
import tomllib
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from regimebot.bot.telegram.io import split_html, utf16_len
from regimebot.handlers.messages.alerts import format_alert, format_alert_details
from regimebot.handlers.messages.i18n import t
from regimebot.macro.catalog import load_catalog
from regimebot.macro.watchlist import parse_watchlist
from regimebot.storage.outbox import AlertRecord

WATCHLIST = parse_watchlist(tomllib.loads("""
[[signals]]
id = "dxy_trend_break"
kind = "ma_distance"
series = "DXY"
window = 200
direction = "below"
warn = -3.0
breach = -5.0
unit = "%"
meaning = { en = "The dollar lost its trend", "zh-TW" = "美元跌破趨勢" }

[[signals]]
id = "dxy_quarter_drop"
kind = "change"
series = "DXY"
window = 63
direction = "below"
warn = -3.0
breach = -6.0
unit = "%"
meaning = { en = "The dollar fell over a quarter", "zh-TW" = "美元一季下跌" }

[[signals]]
id = "tariffs_landed"
kind = "manual"
meaning = { en = "Tariffs took effect", "zh-TW" = "關稅生效" }

[[theses]]
id = "long_usd"
name = { en = "Long USD <AI> & hegemony", "zh-TW" = "做多美元" }
rationale = { en = "The dollar holds.", "zh-TW" = "美元守住。" }
positions = { en = "long DXY", "zh-TW" = "做多美元指數" }
invalidation = ["dxy_trend_break", "dxy_quarter_drop", "tariffs_landed"]

[regime]
lines = []
verdicts = []
"""), load_catalog(), origin="test watch list")


def _alert(**changes) -> AlertRecord:
    base = dict(
        id=42, thesis_id="long_usd", old="intact", new="weakening", as_of="2026-03-20", source="demo", simulated=True,
        evidence=[
            {"signal": "dxy_trend_break", "kind": "ma_distance", "state": "breach", "value": -5.53, "unit": "%",
             "direction": "below", "warn": -3.0, "breach": -5.0},
            {"signal": "dxy_quarter_drop", "kind": "change", "state": "ok", "value": -1.0, "unit": "%",
             "direction": "below", "warn": -3.0, "breach": -6.0},
        ],
        created_at=datetime(2026, 3, 20, 21, 0, tzinfo=UTC), urgent=False,
    )
    base.update(changes)
    return AlertRecord(**base)


def test_alert_names_thesis_transition_causes_thresholds_meaning_and_source():
    reply = format_alert(_alert(), "en", WATCHLIST)
    text = reply.text
    assert "Long USD &lt;AI&gt; &amp; hegemony" in text  # escaped dynamic value
    assert "<AI>" not in text
    assert "intact → <b>weakening</b>" in text
    assert "dxy_trend_break" in text and "-5.53%" in text and "&lt;-3.00%" in text and "&lt;-5.00%" in text
    assert "dxy_quarter_drop" not in text  # only the signals that caused the move
    assert t("en", "alerts.meaning.weakening") in text
    assert "<i>The dollar lost its trend</i>" in text  # what the signal in breach means
    assert "2026-03-20" in text and "demo (SIMULATED)" in text
    assert [b.data for b in reply.buttons[0]] == ["alert:42", "snooze:long_usd", "mute:long_usd"]
    assert not reply.silent


def test_recoveries_are_silent_and_say_so():
    reply = format_alert(_alert(old="weakening", new="intact"), "en", WATCHLIST)
    assert reply.silent
    assert t("en", "alerts.meaning.recovery") in reply.text


def test_chinese_alert_uses_the_chinese_catalog_and_name():
    reply = format_alert(_alert(new="invalidated", old="weakening"), "zh-TW", WATCHLIST)
    assert "做多美元" in reply.text and "失效" in reply.text and "（模擬數據）" in reply.text
    assert "美元跌破趨勢" in reply.text
    assert [b.text for b in reply.buttons[0]] == [t("zh-TW", "alerts.button.details"), t("zh-TW", "alerts.button.snooze"),
                                                   t("zh-TW", "alerts.button.mute")]


def test_unknown_values_and_manual_signals_are_shown_as_such():
    alert = _alert(evidence=[
        {"signal": "dxy_trend_break", "state": "warn", "value": None, "unit": "%", "direction": "below", "warn": -3.0, "breach": -5.0},
        {"signal": "tariffs_landed", "kind": "manual", "state": "breach", "value": None},
    ])
    text = format_alert(alert, "en", WATCHLIST).text
    assert t("en", "alerts.unknown_value") in text
    assert "tariffs_landed" in text and t("en", "alerts.manual_on") in text


def test_details_list_every_signal_with_its_meaning_and_hostile_evidence_is_escaped():
    alert = _alert(evidence=[{"signal": "<b>x</b>", "state": "breach", "value": 1.0, "unit": "<u>", "warn": 0.5, "breach": 0.8,
                              "direction": "above"}] + _alert().evidence)
    text = format_alert_details(alert, "en", WATCHLIST).text
    assert "&lt;b&gt;x&lt;/b&gt;" in text and "<u>" not in text
    assert "The dollar lost its trend" in text and "dxy_quarter_drop" in text


def _balanced(part: str) -> bool:
    stack = []
    for closing, name in re.findall(r"<(/?)([a-z]+)[^>]*>", part):
        if closing:
            if not stack or stack.pop() != name:
                return False
        else:
            stack.append(name)
    return not stack


def test_long_messages_split_at_line_boundaries_with_tags_balanced():
    lines = [f"<b>line {i}</b> {html.escape('a < b & c')}" for i in range(700)]
    text = "\n".join(lines)
    parts = split_html(text)
    assert len(parts) > 1
    assert all(utf16_len(p) <= 4096 for p in parts)
    assert "\n".join(parts) == text  # cut only between lines, nothing lost
    assert all(_balanced(p) for p in parts)


def test_a_tag_spanning_the_cut_is_closed_and_reopened():
    text = "<pre>" + "\n".join("x" * 60 for _ in range(200)) + "</pre>"
    parts = split_html(text)
    assert len(parts) >= 3 and all(utf16_len(p) <= 4096 for p in parts)  # 12,205 characters
    assert all(p.startswith("<pre>") and p.endswith("</pre>") for p in parts)
    assert "".join(p[5:-6] for p in parts).replace("\n", "") == "x" * 60 * 200


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["", "b", "i", "code"]),
                          st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="<>&"), max_size=300)),
                min_size=1, max_size=60),
       st.integers(min_value=300, max_value=4096))
def test_split_never_exceeds_the_limit_and_loses_nothing(pieces, limit):
    text = "".join(f"<{tag}>{body}</{tag}>" if tag else body for tag, body in pieces)
    parts = split_html(text, limit)
    assert all(utf16_len(p) <= limit for p in parts)
    assert all(_balanced(p) for p in parts)
    strip = lambda s: re.sub(r"<[^>]+>", "", s)  # noqa: E731
    joined = "".join(strip(p) for p in parts)
    assert re.sub(r"\s", "", joined) == re.sub(r"\s", "", strip(text))
