"""/portfolio: the chat's book of series weights (a group shares one; changing it there needs an admin)."""

from __future__ import annotations

from collections.abc import Mapping

from regimebot.handlers.messages.i18n import t
from regimebot.handlers.messages.reply import Reply
from regimebot.handlers.messages.text import esc
from regimebot.handlers.registry import REGISTRY, Request
from regimebot.handlers.usage import may_change_chat, usage_text
from regimebot.macro.portfolio import PortfolioError, add_holdings, holdings, parse_names, parse_weights, remove_holdings

SUBCOMMANDS = ("set", "add", "remove", "show", "clear")
MUTATING = ("set", "add", "remove", "clear")


def format_portfolio(lang: str, book: Mapping[str, float], shared: bool) -> str:
    """The book as shares of 100% (raw weights as typed beside them)."""
    title = t(lang, "portfolio.title_group" if shared else "portfolio.title")
    if not book:
        return f"<b>{title}</b>\n" + t(lang, "portfolio.empty")
    lines = [f"{h.series:<7} {h.share * 100:>5.1f}%  ({h.weight:g})" for h in holdings(book)]
    return f"<b>{title}</b>\n<pre>" + esc("\n".join(lines)) + "</pre>\n" + t(lang, "portfolio.normalised")


def _problem(req: Request, err: PortfolioError) -> Reply:
    text = t(req.lang, f"portfolio.error.{err.reason}", arg=esc(err.arg[:40]))
    return Reply(f"⚠️ {text}\n{usage_text(req)}")


@REGISTRY.command("portfolio", summary="cmd.portfolio.summary", usage="cmd.portfolio.usage", group="portfolio", writes=True)
def portfolio(req: Request) -> Reply:
    """Show or change the chat's portfolio; in groups only administrators change it."""
    words = list(req.args)
    action = words[0].lower() if words else "show"
    if action not in SUBCOMMANDS:
        return Reply("⚠️ " + t(req.lang, "portfolio.error.action", arg=esc(words[0][:40])) + "\n" + usage_text(req))
    if action in MUTATING and not may_change_chat(req):
        return Reply("⛔ " + t(req.lang, "portfolio.admin_only"))
    services, chat_id, rest = req.services, req.chat.id, words[1:]
    try:
        book = services.store.portfolios.load_portfolio(chat_id)
        if action == "show":
            if rest:
                return Reply("⚠️ " + t(req.lang, "portfolio.error.unexpected", arg=esc(rest[0][:40])) + "\n" + usage_text(req))
            return Reply(format_portfolio(req.lang, book, req.chat.is_group))
        if action == "clear":
            if rest:
                return Reply("⚠️ " + t(req.lang, "portfolio.error.unexpected", arg=esc(rest[0][:40])) + "\n" + usage_text(req))
            services.store.portfolios.clear_portfolio(chat_id)
            return Reply(t(req.lang, "portfolio.cleared"))
        if action == "set":
            new = parse_weights(rest, services.catalog)
        elif action == "add":
            new = add_holdings(book, parse_weights(rest, services.catalog))
        else:
            new = remove_holdings(book, parse_names(rest, services.catalog))
    except PortfolioError as err:
        return _problem(req, err)
    if new:
        services.store.portfolios.save_portfolio(chat_id, new)
    else:
        services.store.portfolios.clear_portfolio(chat_id)
    return Reply("✅ " + t(req.lang, "portfolio.saved") + "\n" + format_portfolio(req.lang, new, req.chat.is_group))
