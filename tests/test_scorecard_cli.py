"""`regimebot replay --score [--json]` end to end on a CSV folder of generated closes."""

from __future__ import annotations

import json

from tests.test_engine_cli import csv_env, run  # noqa: F401 - csv_env is a fixture

KEYS = ("alerts_per_year", "whipsaw", "hit_rate", "recall", "lead_days", "false_alarms_per_year", "lift")


def test_score_json_has_every_figure_per_thesis_period_and_baseline(csv_env, capsys):  # noqa: F811
    code, out, _ = run(capsys, "replay", "--start", "2022-06-01", "--end", "2024-12-31", "--score", "--json",
                       "--draws", "50")
    assert code == 0
    doc = json.loads(out)
    assert (doc["start"], doc["end"], doc["random"]) == ("2022-06-01", "2024-12-31", {"seed": 0, "draws": 50})
    card = doc["scorecard"]
    assert "long_duration" in card and "japan_reflation" in card
    for entry in card.values():
        for scope in (entry, entry["out_of_sample"]):
            for key in KEYS:
                assert key in scope and key in scope["baselines"]["random"] and key in scope["baselines"]["ma200"]
            assert set(scope["beats"]) == {"random", "ma200"}
        assert entry["in_sample"]["start"] is None and entry["in_sample"]["status_days"] == 0  # 2007-2016 not replayed
        assert entry["out_of_sample"]["start"] == "2022-06-01"
        assert entry["out_of_sample"]["alerts"] == entry["alerts"]   # the replay lies inside 2017-2025
        assert entry["baselines"]["random"]["alerts"] == entry["alerts"]  # same number of random alerts
    assert card["long_duration"]["position"] == {"series": "TLT", "side": "long"}
    total = doc["overall"]["all"]
    assert total["alerts"] == sum(e["alerts"] for e in card.values())
    # the companion of whipsaw: the same watch list replayed with the recovery dwell off
    assert total["checked_before_dwell"] == sum(e["checked_before_dwell"] for e in card.values())
    assert total["undone_before_dwell"] == sum(e["undone_before_dwell"] for e in card.values())
    if total["checked_before_dwell"]:
        assert total["whipsaw_before_dwell"] == total["undone_before_dwell"] / total["checked_before_dwell"]


def test_score_is_reproducible_with_a_seed(csv_env, capsys):  # noqa: F811
    args = ("replay", "--start", "2022-06-01", "--end", "2024-12-31", "--score", "--json", "--draws", "20")
    first = json.loads(run(capsys, *args, "--seed", "3")[1])
    again = json.loads(run(capsys, *args, "--seed", "3", "--cached")[1])
    assert first["scorecard"] == again["scorecard"]
    other = json.loads(run(capsys, *args, "--seed", "4", "--cached")[1])
    randoms = [(e["baselines"]["random"], o["baselines"]["random"])
               for e, o in zip(first["scorecard"].values(), other["scorecard"].values(), strict=True) if e["alerts"]]
    assert randoms and any(a != b for a, b in randoms)


def test_score_text_has_the_table_and_plain_verdicts(csv_env, capsys):  # noqa: F811
    code, out, _ = run(capsys, "replay", "--start", "2022-06-01", "--end", "2024-12-31", "--score", "--draws", "20")
    assert code == 0
    assert "Alert scorecard, replay 2022-06-01 → 2024-12-31" in out
    assert "Out of sample (2022-06-01 → 2024-12-31)" in out and "In sample" not in out
    assert "Whole replay" not in out   # the same days as the out-of-sample table: shown once
    assert "long_duration" in out and "random: hit" in out and "200-day: alerts/yr" in out
    assert "with the recovery dwell off" in out and "whipsaw before dwell" in out
    assert ("Where a thesis falls short:" in out) != ("Every thesis beats both baselines" in out)
    if "Where a thesis falls short:" in out:
        assert "does NOT beat" in out or "cannot be compared" in out


def test_bad_draws_is_a_usage_error(csv_env, capsys):  # noqa: F811
    code, _, err = run(capsys, "replay", "--start", "2024-01-02", "--end", "2024-06-28", "--score", "--draws", "0")
    assert code == 2 and "--draws" in err


def _figures(alerts: int, lift: float | None):
    from regimebot.macro.scorecard import Figures

    return Figures(alerts=alerts, alerts_per_year=None, whipsaw=None, hit_rate=None, recall=None, lead_days=None,
                   false_alarms_per_year=None, lift=lift, base_rate=0.05, status_days=100, pain_episodes=2)


def test_verdict_says_plainly_which_baseline_is_not_beaten():
    from datetime import date

    from regimebot.bot.cli.scorecard import verdict
    from regimebot.macro.scorecard import PeriodScore

    def period(thesis, rnd, ma):
        return PeriodScore(date(2017, 1, 1), date(2025, 12, 31), _figures(*thesis), _figures(*rnd), _figures(*ma))

    assert verdict("t", "out_of_sample", period((3, 2.0), (3, 1.0), (9, 1.5))) is None
    assert verdict("t", "out_of_sample", period((3, 2.0), (3, 1.0), (9, 2.5))) == (
        "t, out of sample: does NOT beat the 200-day-average baseline (lift 2.00 vs 2.50).")
    assert verdict("t", "in_sample", period((3, 0.8), (3, 1.0), (9, 0.8))) == (
        "t, in sample: does NOT beat the random baseline (lift 0.80 vs 1.00); "
        "does NOT beat the 200-day-average baseline (lift 0.80 vs 0.80).")
    assert verdict("t", "in_sample", period((0, None), (0, None), (9, 1.2))) == (
        "t, in sample: cannot be compared with the baselines (no alerts).")
    assert verdict("t", "in_sample", period((3, 2.0), (3, 1.0), (0, None))) == (
        "t, in sample: cannot be compared with the 200-day-average baseline (it has no lift: no alerts).")
