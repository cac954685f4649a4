"""/reload: a configured admin re-reads the watch list (REGIMEBOT_WATCHLIST) without a restart.

The file is validated first; an invalid file changes nothing and the answer names the entry at fault.
"""

from __future__ import annotations

from regimebot.handlers.messages.i18n import t
from regimebot.handlers.messages.reply import Reply
from regimebot.handlers.messages.text import esc
from regimebot.handlers.registry import REGISTRY, Request
from regimebot.handlers.usage import admin_only, is_bot_admin, usage_reply
from regimebot.macro.catalog import CatalogError
from regimebot.macro.signal_specs import WatchlistError
from regimebot.macro.watchlist import load_watchlist


@REGISTRY.command("reload", summary="cmd.reload.summary", usage="cmd.reload.usage", admin=True, group="admin")
def reload_command(req: Request) -> Reply:
    """Validate the watch-list file and, only if it is valid, use it from now on (admins only)."""
    if req.args:
        return usage_reply(req, "market.no_args")
    if not is_bot_admin(req):
        return admin_only(req)
    services = req.services
    try:
        watchlist = load_watchlist(services.settings.watchlist, services.catalog)
    except (WatchlistError, CatalogError) as exc:
        return Reply("⚠️ " + t(req.lang, "reload.invalid", error=esc(exc)))
    services.watchlists.replace(watchlist)
    return Reply("✅ " + t(req.lang, "reload.done", origin=esc(watchlist.origin), signals=len(watchlist.signals),
                           theses=len(watchlist.theses)))
