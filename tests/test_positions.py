"""Each thesis declares the position it protects and its pain: parsed, validated, shown in /thesis and the JSON."""

from __future__ import annotations

import copy
import json
import tomllib
from importlib import resources

import pytest

from regimebot.macro.catalog import load_catalog
from regimebot.macro.positions import DEFAULT_PAIN, Pain, Position
from regimebot.macro.watchlist import WatchlistError, load_watchlist, parse_watchlist
from tests.chat_world import ask, generated_closes, make_services
from tests.test_engine_cli import csv_env, run  # noqa: F401 - csv_env is a fixture

CATALOG = load_catalog()
BUNDLED = tomllib.loads(resources.files("regimebot.macro").joinpath("data/watchlist.toml").read_text(encoding="utf-8"))


def _thesis(data, tid):
    return next(t for t in data["theses"] if t["id"] == tid)


def _error(tid: str, **changes) -> str:
    data = copy.deepcopy(BUNDLED)
    entry = _thesis(data, tid)
    for key, value in changes.items():
        if value is None:
            entry.pop(key, None)
        else:
            entry[key] = value
    with pytest.raises(WatchlistError) as info:
        parse_watchlist(data, CATALOG, "test.toml")
    return str(info.value)


def test_every_bundled_thesis_declares_a_position():
    wl = load_watchlist(None, CATALOG)
    expected = {"geopolitical_noise": "SPX", "long_usd_ai": "DXY", "long_duration": "TLT",
                "btc_liquidity_bottom": "BTC", "japan_reflation": "EWJ"}
    for tid, series in expected.items():
        assert wl.theses[tid].position == Position(series, "long")
    for t in wl.theses.values():  # every thesis, including the US-assets one, protects a holding with a real yardstick
        assert t.position.series in CATALOG and t.position.side in ("long", "short")
        assert t.pain.drawdown_pct > 0 and t.pain.within_days >= 1


def test_pain_defaults_by_asset_class_and_declared_pain_wins():
    data = copy.deepcopy(BUNDLED)
    for t in data["theses"]:
        t.pop("pain", None)
    wl = parse_watchlist(data, CATALOG, "test.toml")
    assert wl.theses["long_duration"].pain == Pain(8.0, 20, default=True) == DEFAULT_PAIN["long_duration"]
    assert wl.theses["btc_liquidity_bottom"].pain == Pain(30.0, 20, default=True)
    assert wl.theses["japan_reflation"].pain == Pain(10.0, 20, default=True)
    _thesis(data, "long_duration")["pain"] = {"drawdown_pct": 12, "within_days": 40}
    declared = parse_watchlist(data, CATALOG, "test.toml").theses["long_duration"].pain
    assert declared == Pain(12.0, 40, default=False)


@pytest.mark.parametrize("changes, expected", [
    ({"position": None}, "thesis long_duration: position is required"),
    ({"position": "TLT"}, "thesis long_duration: position must be a table"),
    ({"position": {"series": "NOPE", "side": "long"}}, "thesis long_duration: position series 'NOPE' is not in the catalog"),
    ({"position": {"series": "US30Y", "side": "short"}}, "thesis long_duration: position series US30Y is a yield series"),
    ({"position": {"series": "TLT", "side": "flat"}}, "thesis long_duration: position side must be long or short (got 'flat')"),
    ({"position": {"series": "TLT", "side": "long", "size": 3}}, "thesis long_duration: position: unknown key(s) size; allowed: series, side"),
    ({"pain": {"drawdown_pct": 0, "within_days": 20}}, "thesis long_duration: pain drawdown_pct must be a number"),
    ({"pain": {"drawdown_pct": 150, "within_days": 20}}, "thesis long_duration: pain drawdown_pct must be a number"),
    ({"pain": {"drawdown_pct": 10, "within_days": 0}}, "thesis long_duration: pain within_days must be a whole number"),
    ({"pain": {"drawdown_pct": 10, "within_days": 2.5}}, "thesis long_duration: pain within_days must be a whole number"),
    ({"pain": {"drawdown_pct": 10}}, "thesis long_duration: pain within_days must be a whole number"),
    ({"pain": {"drawdown": 10, "within_days": 5}}, "thesis long_duration: pain: unknown key(s) drawdown; allowed: drawdown_pct, within_days"),
    ({"position": {"series": "VIX", "side": "short"}, "pain": None}, "thesis long_duration: position series VIX has no default pain"),
])
def test_bad_position_or_pain_names_the_thesis(changes, expected):
    assert expected in _error("long_duration", **changes)


def test_a_series_without_default_takes_a_declared_pain():
    data = copy.deepcopy(BUNDLED)
    entry = _thesis(data, "long_duration")
    entry["position"] = {"series": "VIX", "side": "short"}
    entry["pain"] = {"drawdown_pct": 40, "within_days": 10}
    thesis = parse_watchlist(data, CATALOG, "test.toml").theses["long_duration"]
    assert (thesis.position, thesis.pain) == (Position("VIX", "short"), Pain(40.0, 10))


def test_thesis_command_shows_position_and_pain_in_both_languages():
    services = make_services(generated_closes())
    en = ask(services, "/thesis long_duration").text
    assert "Protects: long TLT · pain: a loss of 8% within 20 business days (default for the asset class)" in en
    zh = ask(services, "/thesis long_duration", lang="zh-TW").text
    assert "守護部位：做多 TLT · 痛點：20 個營業日內虧損 8%（該資產類別的預設值）" in zh


def test_evaluate_and_replay_json_carry_position_and_pain(csv_env, capsys):  # noqa: F811 - the fixture
    code, out, _ = run(capsys, "evaluate", "--json")
    assert code == 0
    ld = json.loads(out)["theses"]["long_duration"]
    assert ld["position"] == {"series": "TLT", "side": "long"}
    assert ld["pain"] == {"drawdown_pct": 8.0, "within_days": 20, "default": True}
    code, out, _ = run(capsys, "replay", "--start", "2024-01-02", "--end", "2024-06-28", "--json", "--cached")
    assert code == 0
    doc = json.loads(out)
    assert doc["stats"]["japan_reflation"]["position"] == {"series": "EWJ", "side": "long"}
    assert doc["final"]["theses"]["btc_liquidity_bottom"]["pain"]["drawdown_pct"] == 30.0
