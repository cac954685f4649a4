"""Every signal in warn or breach says where it clears ("breach; clears below 130"), in alerts and /thesis."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from regimebot.handlers.messages.alerts import format_alert
from regimebot.handlers.messages.evidence import Evidence
from regimebot.macro.catalog import load_catalog
from regimebot.macro.signals import clears_at
from regimebot.macro.watchlist import load_watchlist
from regimebot.storage.outbox import AlertRecord
from tests.chat_world import ask, generated_closes, make_services

WL = load_watchlist(None, load_catalog())


@pytest.mark.parametrize("state,direction,expected", [
    ("breach", "above", ("below", 130.0)),   # MOVE: breach 140 clears below the midpoint 130
    ("warn", "above", ("below", 116.0)),     # warn 120 clears below 116
    ("breach", "below", ("above", 130.0)),
    ("warn", "below", ("above", 116.0)),
    ("ok", "above", None),
    ("unknown", "above", None),
    ("breach", None, None),
])
def test_clears_at(state, direction, expected):
    assert clears_at(state, direction, 116.0, 130.0) == expected


def _alert(evidence: list[dict]) -> AlertRecord:
    return AlertRecord(id=5, thesis_id="geopolitical_noise", old="intact", new="invalidated", as_of="2020-03-20",
                       source="csv", simulated=False, evidence=evidence, created_at=datetime(2020, 3, 20, tzinfo=UTC),
                       urgent=True)


def test_alert_says_where_each_signal_clears_in_both_languages():
    spec = WL.signals["credit_widening"]  # direction below: warn -2, breach -4; exits -1.6 and -3
    assert (spec.warn_exit, spec.breach_exit) == (-1.6, -3.0)
    evidence = [{"signal": "credit_widening", "state": "breach", "value": -5.2},
                {"signal": "usd_weak_in_stress", "state": "warn", "value": -1.4},
                {"signal": "tariffs_landed", "state": "breach", "value": 1.0}]
    en = format_alert(_alert(evidence), "en", WL).text
    assert "breach; clears above -3.00%" in en
    assert "warn; clears above -0.70%" in en  # usd_weak_in_stress: warn -1 clears at -1 + 0.2 × 1.5
    assert "tariffs_landed</code> (manual)" in en and "clears" not in en.split("tariffs_landed")[1].split("\n")[0]
    zh = format_alert(_alert(evidence), "zh-TW", WL).text
    assert "— 突破；高於 -3.00% 解除" in zh


def test_evidence_clears_come_from_the_spec_when_the_record_lacks_exits():
    item = Evidence.from_stored({"signal": "move_stress", "state": "breach", "value": 150.0}, WL.signals["move_stress"])
    assert item.clears_at == ("below", 130.0)
    assert Evidence.from_stored({"signal": "tariffs_landed", "state": "breach"}, WL.signals["tariffs_landed"]).clears_at is None


def test_thesis_page_says_where_a_warn_or_breach_clears():
    closes = generated_closes()
    services = make_services(closes)
    ev = services.watchlist  # every signal in warn or breach on /thesis carries its clear level
    texts = {lang: "\n".join(ask(services, f"/thesis {tid}", lang=lang).text for tid in ev.theses)
             for lang in ("en", "zh-TW")}
    from regimebot.handlers.evaluation import evaluate_cached
    _, evaluation = evaluate_cached(services)
    moving = [r for r in evaluation.signals.values() if r.state in ("warn", "breach") and r.kind != "manual"
              and any(r.id in t.invalidation for t in ev.theses.values())]
    assert len(moving) >= 3  # the generated market has thesis signals in warn and in breach
    for r in moving:
        side, _ = r.clears_at()
        line = next(x for x in texts["en"].split("<b>" + r.id + "</b>")[1].split("\n")[1:2])
        assert f"clears {side}" in line, (r.id, line)
    assert texts["en"].count("clears ") >= len(moving)
    assert texts["zh-TW"].count("解除") >= len(moving)
