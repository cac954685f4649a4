"""/start and /help: what the bot does, its commands (from the registry, grouped) and how alerts work."""

from __future__ import annotations

from regimebot.handlers.messages.i18n import messages, t
from regimebot.handlers.messages.reply import Reply
from regimebot.handlers.messages.text import esc
from regimebot.handlers.registry import REGISTRY, Command, Request
from regimebot.handlers.usage import chat_prefs, usage_reply

GROUP_ORDER = ("general", "market", "watch", "alerts", "scenario", "portfolio", "settings", "admin")


def _group_title(lang: str, group: str) -> str:
    key = f"help.group.{group}"
    return t(lang, key) if key in messages("en") else group.capitalize()


def format_help(lang: str, commands: list[Command], show_admin: bool) -> str:
    """The command list, grouped, one line per command: /name — summary."""
    groups: dict[str, list[Command]] = {}
    for command in commands:
        if command.admin and command.group == "admin" and not show_admin:
            continue
        groups.setdefault(command.group, []).append(command)
    order = [g for g in GROUP_ORDER if g in groups] + sorted(g for g in groups if g not in GROUP_ORDER)
    lines = [f"<b>{t(lang, 'help.title')}</b>"]
    for group in order:
        lines.append("")
        lines.append(f"<b>{esc(_group_title(lang, group))}</b>")
        for command in groups[group]:
            mark = " 🔒" if command.admin else ""
            lines.append(f"/{command.name} — {t(lang, command.summary)}{mark}")
    lines.append("")
    lines.append(t(lang, "help.alerts"))
    lines.append(t(lang, "help.more"))
    return "\n".join(lines)


@REGISTRY.command("start", summary="cmd.start.summary", usage="cmd.start.usage", group="general")
def start(req: Request) -> Reply:
    """Greet the chat, remember it, and show the commands."""
    prefs = chat_prefs(req)
    intro = t(prefs.language, "start.intro")
    return Reply(intro + "\n\n" + format_help(prefs.language, REGISTRY.commands(), show_admin=req.is_admin))


@REGISTRY.command("help", summary="cmd.help.summary", usage="cmd.help.usage", group="general")
def help_command(req: Request) -> Reply:
    """Every command with its summary; `/help CMD` gives that command's usage."""
    if len(req.args) > 1:
        return usage_reply(req, "help.too_many")
    if req.args:
        name = req.args[0].lstrip("/").split("@", 1)[0].lower()
        command = REGISTRY.get(name)
        if command is None:
            return usage_reply(req, "help.unknown_command", command=req.args[0][:40])
        lines = [f"<b>/{command.name}</b> — {t(req.lang, command.summary)}", t(req.lang, "common.usage", usage=t(req.lang, command.usage))]
        if command.admin:
            lines.append(t(req.lang, "help.admin_note"))
        return Reply("\n".join(lines))
    return Reply(format_help(req.lang, REGISTRY.commands(), show_admin=req.is_admin))
