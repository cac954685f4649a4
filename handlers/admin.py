"""/evaluate: a configured admin refreshes the data and evaluates the watch list now."""

from __future__ import annotations

from regimebot.handlers.context import CycleResult
from regimebot.handlers.messages.i18n import t
from regimebot.handlers.messages.reply import Reply
from regimebot.handlers.messages.text import esc
from regimebot.handlers.registry import REGISTRY, Request
from regimebot.handlers.usage import admin_only, is_bot_admin, usage_reply
from regimebot.storage.db import StorageError


def format_cycle(lang: str, result: CycleResult) -> str:
    """What one refresh + evaluate cycle did: the data date, transitions and alerts created."""
    text = t(lang, "admin.done", transitions=result.transitions, alerts=len(result.alert_ids), as_of=esc(result.as_of or "—"))
    if result.errors:
        text += "\n" + t(lang, "admin.data_errors", series=esc(", ".join(sorted(result.errors))))
    return text


def run_evaluation(req: Request) -> str:
    """Run the wiring's evaluate-now hook; the outcome as one message (errors named, not raised)."""
    try:
        result = req.services.evaluator.evaluate_now()
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
