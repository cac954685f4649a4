"""/evaluate: a configured admin refreshes the data and evaluates the watch list now."""

from __future__ import annotations

from typing import Any

from regimebot.handlers.messages.i18n import t
from regimebot.handlers.messages.reply import Reply
from regimebot.handlers.messages.text import esc
from regimebot.handlers.registry import REGISTRY, Request
from regimebot.handlers.usage import admin_only, is_bot_admin, usage_reply
from regimebot.storage.db import StorageError


def format_cycle(lang: str, result: Any) -> str:
    """What one refresh + evaluate cycle did: the data date, transitions and alerts created."""
    if result is None:
        return t(lang, "admin.done_plain")
    transitions = getattr(result, "transitions", ())
    alerts = getattr(result, "alert_ids", None) or getattr(result, "alerts", ())
    count = lambda v: v if isinstance(v, int) else len(v or ())  # noqa: E731 - counts or lists
    as_of = getattr(result, "as_of", None)
    text = t(lang, "admin.done", transitions=count(transitions), alerts=count(alerts), as_of=esc(as_of or "—"))
    errors = getattr(result, "errors", None) or {}
    if errors:
        text += "\n" + t(lang, "admin.data_errors", series=esc(", ".join(sorted(errors))))
    return text


def run_evaluation(req: Request) -> str:
    """Run the wiring's evaluate-now hook; the outcome as one message (errors named, not raised)."""
    hook = req.services.evaluate_now
    if hook is None:
        return t(req.lang, "admin.not_available")
    try:
        result = hook()
    except StorageError:
        raise  # the dispatcher's one storage message (and /signal takes its switch back)
    except (RuntimeError, ValueError, OSError) as exc:  # DataError/StorageError are RuntimeErrors
        return "⚠️ " + t(req.lang, "admin.failed", error=esc(exc))
    return "✅ " + format_cycle(req.lang, result)


@REGISTRY.command("evaluate", summary="cmd.evaluate.summary", usage="cmd.evaluate.usage", admin=True, group="admin")
def evaluate_command(req: Request) -> Reply:
    """Refresh the data and evaluate every thesis now (admins only)."""
    if req.args:
        return usage_reply(req, "market.no_args")
    if not is_bot_admin(req):
        return admin_only(req)
    return Reply(run_evaluation(req))
