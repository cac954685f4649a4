"""/regime, /theses and /thesis: the regime dashboard and each thesis's status, from a live evaluation."""

from __future__ import annotations

from regimebot.handlers.evaluation import evaluate_cached
from regimebot.handlers.messages.i18n import t
from regimebot.handlers.messages.journal import distance_line
from regimebot.handlers.messages.reply import Reply
from regimebot.handlers.messages.text import STATE_ICONS, as_of_text, catalog_label, esc, localized, state_text, status_text, thesis_name, verdict_text
from regimebot.handlers.registry import REGISTRY, Request
from regimebot.handlers.usage import find_thesis, source_line, thesis_ids, usage_reply
from regimebot.macro.distance import Distance, distances
from regimebot.macro.engine import Evaluation
from regimebot.macro.signal_kinds import SeriesCache
from regimebot.macro.signal_specs import SignalSpec
from regimebot.macro.watchlist import Watchlist


def format_number(value: float | None, unit: str, lang: str, level: bool = False) -> str:
    """A signal value with its unit (changes signed, levels not); 'unknown' when missing, never a made-up number."""
    if value is None or value != value:
        return t(lang, "common.unknown")
    if level and unit == "%":
        return f"{value:.2f}%"
    if unit == "%":
        return f"{value:+.1f}%"
    if unit == "bp":
        return f"{value:+.0f} bp"
    if unit == "pp":
        return f"{value:+.2f} pp"
    if abs(value) >= 1000:
        return f"{value:,.0f}" + (f" {unit}" if unit else "")
    return f"{value:.2f}" + (f" {unit}" if unit else "")


def format_threshold(spec: SignalSpec | None, value: float | None) -> str:
    """'> 3.00' / '< -2.00' on the signal's bad side; '' when it has no such threshold."""
    if value is None or spec is None or spec.direction is None:
        return ""
    return ("&gt; " if spec.direction == "above" else "&lt; ") + f"{value:g}"










def format_regime(lang: str, evaluation: Evaluation, watchlist: Watchlist) -> list[str]:
    """The dashboard lines: reading, value and coloured state, then the one-line verdict."""
    regime = evaluation.regime
    lines = [f"<b>{t(lang, 'watch.regime_title')}</b>"]
    for line in regime.lines:
        label = catalog_label(lang, f"watch.line.{line.key}", line.key)
        spec = watchlist.signals.get(line.signal)
        level = spec is not None and spec.kind == "level"
        value = format_number(line.value, line.unit, lang, level)
        lines.append(f"{STATE_ICONS.get(line.state, '⚪')} {esc(label)}: {esc(value)}")
    verdict = verdict_text(lang, regime.verdict)
    lines.append("")
    lines.append(t(lang, "watch.verdict_line", verdict=f"<b>{esc(verdict)}</b>"))
    return lines


def format_theses(req: Request, evaluation: Evaluation) -> list[str]:
    """One line per thesis: status icon, name, status, since when, id."""
    lines = [f"<b>{t(req.lang, 'watch.theses_title')}</b>"]
    for tid in thesis_ids(req):
        result = evaluation.theses.get(tid)
        status = result.status if result is not None else "unknown"
        since = as_of_text(result.since if result is not None else None)
        lines.append(f"{status_text(req.lang, status, icon=True)} · {esc(thesis_name(req.services.watchlist, tid, req.lang))}")
        lines.append(f"    <code>{esc(tid)}</code> · {t(req.lang, 'watch.since', since=esc(since))}")
    lines.append(t(req.lang, "watch.theses_hint"))
    return lines


def format_signal(req: Request, evaluation: Evaluation, signal_id: str, distance: Distance | None = None) -> list[str]:
    """A signal's state, value against its thresholds, since when, its distance to them, and what it means."""
    spec = req.services.watchlist.signals.get(signal_id)
    result = evaluation.signals.get(signal_id)
    state = result.state if result is not None else "unknown"
    head = f"{state_text(req.lang, state, icon=True)} <b>{esc(signal_id)}</b>"
    kind = spec.kind if spec is not None else ""
    if kind == "manual":
        detail = t(req.lang, "watch.manual_on" if state == "breach" else "watch.manual_off")
    else:
        unit = (result.unit if result is not None else "") or (spec.unit if spec is not None else "")
        value = format_number(result.value if result is not None else None, unit, req.lang, kind == "level")
        detail = t(req.lang, "watch.value", value=esc(value),
                   warn=format_threshold(spec, spec.warn if spec is not None else None) or "—",
                   breach=format_threshold(spec, spec.breach if spec is not None else None) or "—")
    since = result.since if result is not None else None
    lines = [head, "    " + detail + (" · " + t(req.lang, "watch.since", since=esc(as_of_text(since))) if since else "")]
    if distance is not None:
        lines.append("    " + distance_line(req.lang, distance))
    meaning = localized(spec.meaning if spec is not None else None, req.lang)
    if meaning:
        lines.append(f"    <i>{esc(meaning)}</i>")
    reason = result.reason if result is not None else ""
    if state == "unknown" and reason:
        lines.append("    " + t(req.lang, "watch.unknown_reason", reason=esc(reason)))
    return lines


@REGISTRY.command("regime", summary="cmd.regime.summary", usage="cmd.regime.usage", group="watch")
def regime(req: Request) -> Reply:
    """The regime dashboard and its verdict."""
    if req.args:
        return usage_reply(req, "market.no_args")
    market, evaluation = evaluate_cached(req.services)
    lines = format_regime(req.lang, evaluation, req.services.watchlist)
    lines.append(source_line(req.lang, market, evaluation.as_of))
    return Reply("\n".join(lines))


@REGISTRY.command("theses", summary="cmd.theses.summary", usage="cmd.theses.usage", group="watch")
def theses(req: Request) -> Reply:
    """Every thesis with its status."""
    if req.args:
        return usage_reply(req, "market.no_args")
    market, evaluation = evaluate_cached(req.services)
    lines = format_theses(req, evaluation)
    lines.append(source_line(req.lang, market, evaluation.as_of))
    return Reply("\n".join(lines))


@REGISTRY.command("thesis", summary="cmd.thesis.summary", usage="cmd.thesis.usage", group="watch")
def thesis(req: Request) -> Reply:
    """One thesis: rationale, positions, each signal's value, thresholds, state and since when."""
    if len(req.args) != 1:
        return usage_reply(req, "watch.need_thesis", known=", ".join(thesis_ids(req)) or "-")
    tid = find_thesis(req, req.args[0])
    if tid is None:
        return usage_reply(req, "sub.unknown_thesis", thesis=req.args[0][:64], known=", ".join(thesis_ids(req)) or "-")
    spec = req.services.watchlist.theses[tid]
    market, evaluation = evaluate_cached(req.services)
    result = evaluation.theses.get(tid)
    status = result.status if result is not None else "unknown"
    since = as_of_text(result.since if result is not None else None)
    lines = [f"<b>{esc(thesis_name(req.services.watchlist, tid, req.lang))}</b> <code>{esc(tid)}</code>",
             f"{status_text(req.lang, status, icon=True)} · {t(req.lang, 'watch.since', since=esc(since))}",
             "", esc(localized(spec.rationale, req.lang))]
    positions = localized(spec.positions, req.lang)
    if positions:
        lines.append(t(req.lang, "watch.positions", positions=esc(positions)))
    rule = t(req.lang, "watch.rule", k=spec.k, hard=esc(", ".join(spec.hard)) if spec.hard else "—")
    lines += ["", f"<b>{t(req.lang, 'watch.invalidation')}</b>", rule]
    fresh = {sid: r.state != "unknown" for sid, r in evaluation.signals.items()}
    near = distances(SeriesCache(market, req.services.catalog), req.services.watchlist, spec.invalidation, fresh)
    for sid in spec.invalidation:
        lines += format_signal(req, evaluation, sid, near.get(sid))
    if spec.confirming:
        lines += ["", f"<b>{t(req.lang, 'watch.confirming')}</b>"]
        for sid in spec.confirming:
            lines += format_signal(req, evaluation, sid)
    lines.append("")
    lines.append(source_line(req.lang, market, evaluation.as_of))
    return Reply("\n".join(lines))
