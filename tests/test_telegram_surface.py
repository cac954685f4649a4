"""The Telegram surface of issue 12: a one-line headline over evidence in an expandable quote, times as date-time
entities (each reader's own time zone, explicit UTC inside), link previews off, a source label that names the
kind of source and never a server folder (defect 6), and the console rendering all of it readably."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pandas as pd

from regimebot.bot.config import DataSource, Settings
from regimebot.bot.console.render import render_html
from regimebot.bot.services import build_services
from regimebot.handlers import load_commands
from regimebot.handlers.dispatch import Dispatcher, Incoming
from regimebot.handlers.messages.alerts import format_alert, format_alert_details
from regimebot.handlers.messages.text import moment_html
from regimebot.handlers.registry import Chat
from regimebot.macro.market import Market
from tests.fakebot.fuzz import BotThread, TelegramHtml, wait_for_answers
from tests.test_alert_format import WATCHLIST, _alert

CREATED = datetime(2026, 3, 20, 21, 0, tzinfo=UTC)
TG_TIME = re.compile(r'<tg-time unix="(\d+)" format="dt">([^<]*)</tg-time>')


def test_an_alert_is_a_one_line_headline_over_its_evidence_in_an_expandable_quote():
    text = format_alert(_alert(created_at=CREATED), "en", WATCHLIST).text
    lines = text.split("\n")
    assert "Long USD" in lines[0] and "intact → <b>weakening</b>" in lines[0]  # the whole story in one line
    assert lines[1].startswith("<blockquote expandable>")
    quote = text[text.index("<blockquote expandable>"):text.index("</blockquote>")]
    assert "dxy_trend_break" in quote and "-5.53%" in quote and "The dollar lost its trend" in quote
    after = text[text.index("</blockquote>"):]
    assert "2026-03-20" in after and "demo (SIMULATED)" in after  # as-of and simulated label stay in sight
    assert TelegramHtml.problems_of(text) == []


def test_times_are_date_time_entities_with_the_utc_time_inside():
    for text in (format_alert(_alert(created_at=CREATED), "zh-TW", WATCHLIST).text,
                 format_alert_details(_alert(created_at=CREATED), "en", WATCHLIST).text):
        (unix, shown), = TG_TIME.findall(text)
        assert int(unix) == int(CREATED.timestamp()) and shown == "2026-03-20 21:00 UTC"
    assert moment_html(None) == "—"


def test_the_console_renders_quote_and_times_readably():
    shown = render_html(format_alert(_alert(created_at=CREATED), "en", WATCHLIST).text)
    assert not re.search(r"</?(b|i|code|blockquote|tg-time)\b", shown)  # markup rendered, not shown
    quoted = [line for line in shown.splitlines() if line.startswith("  │ ")]
    assert any("dxy_trend_break" in line for line in quoted) and "2026-03-20 21:00 UTC" in shown
    assert not shown.splitlines()[0].startswith("  │ ")  # the headline is not in the quote


def test_an_alert_from_a_csv_folder_names_the_kind_not_the_folder():
    text = format_alert(_alert(source="csv:/srv/regimebot/prices", simulated=False), "en", WATCHLIST).text
    assert "/srv/regimebot" not in text and "data: csv" in text


def test_the_status_label_of_a_csv_source_is_csv_never_the_folder(tmp_path):
    folder = tmp_path / "private-prices"
    folder.mkdir()
    days = pd.bdate_range("2025-01-01", "2025-06-30")
    pd.DataFrame({"date": days.strftime("%Y-%m-%d"), "close": [100 + i * 0.1 for i in range(len(days))]}).to_csv(
        folder / "DXY.csv", index=False)
    settings = Settings(db=tmp_path / "bot.db", data=DataSource("csv", folder), history_start=date(2025, 1, 1))
    services = build_services(settings)
    services.market_data.refresh()
    outcome = Dispatcher(load_commands(), services).dispatch(Incoming(Chat(5, "private", "", None), 5, "en", "status"), False)
    assert outcome.reply is not None
    text = outcome.reply.text
    assert str(tmp_path) not in text and "private-prices" not in text
    assert "· csv" in text.split("\n")[0]
    assert Market(pd.DataFrame(), f"csv:{folder}").label == "csv"
    assert Market(pd.DataFrame(), "demo", simulated=True).label == "demo (SIMULATED)"


def test_link_previews_are_off_for_every_message(tmp_path):
    with BotThread(tmp_path) as server:
        server.command(31, "/help", user_id=31)
        server.command(32, "/status", user_id=32)
        assert not wait_for_answers(server, {31, 32})
        sends = server.calls_of("sendMessage")
    assert sends and all(c.params.get("link_preview_options") == {"is_disabled": True} for c in sends)
