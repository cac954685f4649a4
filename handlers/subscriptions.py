"""/subscribe and /unsubscribe: which theses' alerts this chat receives (shared state: admins in groups)."""

from __future__ import annotations

from regimebot.handlers.messages.i18n import t
from regimebot.handlers.messages.reply import Reply
from regimebot.handlers.messages.text import esc, thesis_name
from regimebot.handlers.registry import REGISTRY, Request
from regimebot.handlers.usage import admin_only, chat_prefs, find_thesis, may_change_chat, thesis_ids, usage_reply
from regimebot.storage import chats


def format_subscriptions(req: Request, subscribed: set[str]) -> str:
    """This chat's subscriptions, one per line."""
    if not subscribed:
        return t(req.lang, "sub.none")
    if chats.ALL_THESES in subscribed:
        return t(req.lang, "sub.all_current")
    names = [f"• <code>{esc(tid)}</code> {esc(thesis_name(req.services.watchlist, tid, req.lang))}" for tid in sorted(subscribed)]
    return t(req.lang, "sub.current") + "\n" + "\n".join(names)


def _target(req: Request) -> str | Reply:
    """The thesis id ("*" for all) named by the arguments, or a usage reply."""
    if len(req.args) != 1:
        known = ", ".join(thesis_ids(req)) or "-"
        return usage_reply(req, "sub.need_one", known=known)
    arg = req.args[0]
    if arg.lower() in ("all", "*"):
        return chats.ALL_THESES
    tid = find_thesis(req, arg)
    if tid is None:
        return usage_reply(req, "sub.unknown_thesis", thesis=arg[:64], known=", ".join(thesis_ids(req)) or "-")
    return tid


def _change_target(req: Request) -> str | Reply:
    """The thesis to (un)subscribe, once the arguments and the caller's right to change this chat are checked; else the reply."""
    target = _target(req)
    if isinstance(target, Reply):
        return target
    if not may_change_chat(req):
        return admin_only(req)
    chat_prefs(req)
    return target


@REGISTRY.command("subscribe", summary="cmd.subscribe.summary", usage="cmd.subscribe.usage", admin=True, group="alerts", writes=True)
def subscribe(req: Request) -> Reply:
    """Receive the alerts of one thesis, or of all."""
    target = _change_target(req)
    if isinstance(target, Reply):
        return target
    added = req.services.store.chats.subscribe(req.chat.id, target)
    if req.chat.thread_id is not None:  # a forum topic: alerts go where they were asked for
        req.services.store.chats.update_chat(req.chat.id, alert_thread_id=req.chat.thread_id)
    current = req.services.store.chats.subscriptions(req.chat.id)
    which = t(req.lang, "sub.all") if target == chats.ALL_THESES else esc(thesis_name(req.services.watchlist, target, req.lang))
    head = t(req.lang, "sub.added" if added else "sub.already", thesis=which)
    return Reply(head + "\n" + format_subscriptions(req, current) + "\n" + t(req.lang, "sub.how_alerts"))


@REGISTRY.command("unsubscribe", summary="cmd.unsubscribe.summary", usage="cmd.unsubscribe.usage", admin=True, group="alerts", writes=True)
def unsubscribe(req: Request) -> Reply:
    """Stop the alerts of one thesis, or of all."""
    target = _change_target(req)
    if isinstance(target, Reply):
        return target
    before = req.services.store.chats.subscriptions(req.chat.id)
    removed = req.services.store.chats.unsubscribe(req.chat.id, target)
    current = req.services.store.chats.subscriptions(req.chat.id)
    which = t(req.lang, "sub.all") if target == chats.ALL_THESES else esc(thesis_name(req.services.watchlist, target, req.lang))
    if removed:
        head = t(req.lang, "sub.removed", thesis=which)
    elif chats.ALL_THESES in before:
        head = t(req.lang, "sub.covered_by_all", thesis=which)
    else:
        head = t(req.lang, "sub.not_subscribed", thesis=which)
    return Reply(head + "\n" + format_subscriptions(req, current))
