"""/signal ID on|off [note]: an admin switches a manual signal (a policy event no price shows), then re-evaluates."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

from regimebot.handlers.admin import run_evaluation
from regimebot.handlers.messages.i18n import t
from regimebot.handlers.messages.reply import Reply
from regimebot.handlers.messages.text import esc, localized, moment_html
from regimebot.handlers.registry import REGISTRY, Request
from regimebot.handlers.usage import admin_only, is_bot_admin, usage_reply
from regimebot.storage.db import StorageError

MAX_NOTE = 200


def manual_signal_ids(req: Request) -> list[str]:
    """The watch list's manual signals, in file order."""
    return req.services.watchlist.manual_signals()


@REGISTRY.command("signal", summary="cmd.signal.summary", usage="cmd.signal.usage", admin=True, group="admin")
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
    switch_id = req.services.store.engine_state.set_manual_signal(signal_id, switch == "on", req.user_id, note)
    spec = req.services.watchlist.signals[signal_id]
    lines = [t(req.lang, "manual.set_on" if switch == "on" else "manual.set_off", signal=f"<b>{esc(signal_id)}</b>",
               user=esc(req.user_id), when=moment_html(now))]
    meaning = localized(spec.meaning, req.lang)
    if meaning:
        lines.append(f"<i>{esc(meaning)}</i>")
    if note:
        lines.append(t(req.lang, "manual.note", note=esc(note)))
    try:
        lines.append(run_evaluation(req))
    except StorageError as exc:  # the evaluation could not be saved: take the switch back, so nothing half-done stays
        try:
            req.services.store.engine_state.undo_manual_switch(switch_id)
        except sqlite3.Error:
            lines.append(t(req.lang, "manual.storage_kept", reason=esc(exc)))  # say exactly what is stored
            return Reply("\n".join(lines))
        return Reply(t(req.lang, "manual.storage_undone", reason=esc(exc)))
    return Reply("\n".join(lines))
