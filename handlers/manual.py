"""/signal ID on|off [note]: an admin switches a manual signal (a policy event no price shows), then re-evaluates.

The switch and the evaluation after it are one transaction (the dispatcher's, as for every handler that
writes): if the evaluation cannot be saved, the switch is not stored either and the reply says so.
"""

from __future__ import annotations

from datetime import UTC, datetime

from regimebot.handlers.admin import format_cycle
from regimebot.handlers.messages.i18n import t
from regimebot.handlers.messages.reply import Reply
from regimebot.handlers.messages.text import esc, localized, moment_html
from regimebot.handlers.registry import REGISTRY, Request
from regimebot.handlers.usage import admin_only, is_bot_admin, usage_reply

MAX_NOTE = 200


def manual_signal_ids(req: Request) -> list[str]:
    """The watch list's manual signals, in file order."""
    return req.services.watchlist.manual_signals()


@REGISTRY.command("signal", summary="cmd.signal.summary", usage="cmd.signal.usage", admin=True, group="admin", writes=True)
def signal(req: Request) -> Reply:
    """Switch a manual signal on or off, recorded with who and when, and re-evaluate at once."""
    known = ", ".join(manual_signal_ids(req)) or "-"
    if len(req.args) < 2:
        return usage_reply(req, "manual.need_args", known=known)
    wanted = req.args[0].lower()
    signal_id = next((sid for sid in manual_signal_ids(req) if sid.lower() == wanted), None)
    if signal_id is None:
        return usage_reply(req, "manual.unknown_signal", signal=req.args[0][:64], known=known)
    switch = req.args[1].lower()
    if switch not in ("on", "off"):
        return usage_reply(req, "manual.bad_switch", value=req.args[1][:16])
    note = " ".join(req.args[2:]).strip()
    if len(note) > MAX_NOTE:
        return usage_reply(req, "manual.note_too_long", limit=MAX_NOTE)
    if not is_bot_admin(req):
        return admin_only(req)
    now = datetime.now(UTC)
    req.services.store.engine_state.set_manual_signal(signal_id, switch == "on", req.user_id, note)
    result = req.services.evaluator.reevaluate()  # on the cached market: no network inside the transaction
    spec = req.services.watchlist.signals[signal_id]
    lines = [t(req.lang, "manual.set_on" if switch == "on" else "manual.set_off", signal=f"<b>{esc(signal_id)}</b>",
               user=esc(req.user_id), when=moment_html(now))]
    meaning = localized(spec.meaning, req.lang)
    if meaning:
        lines.append(f"<i>{esc(meaning)}</i>")
    if note:
        lines.append(t(req.lang, "manual.note", note=esc(note)))
    lines.append("✅ " + format_cycle(req.lang, result) if result.as_of else t(req.lang, "manual.no_data_yet"))
    return Reply("\n".join(lines))
