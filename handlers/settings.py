"""/settings: the chat's language, time zone, quiet hours, digest time and urgent bypass, with inline buttons."""

from __future__ import annotations

import re

from regimebot.handlers.messages.i18n import t
from regimebot.handlers.messages.reply import Button, Reply
from regimebot.handlers.messages.text import esc
from regimebot.handlers.registry import REGISTRY, Request
from regimebot.handlers.usage import admin_only, chat_prefs, may_change_chat, usage_reply
from regimebot.storage.chats import ChatError, ChatPrefs

LANGUAGE_NAMES = {"en": "English", "zh-TW": "繁體中文"}
TIMEZONE_MENU = ("UTC", "Asia/Taipei", "Asia/Hong_Kong", "America/New_York", "Europe/London")
QUIET_MENU = (("22:00", "07:00"), ("23:00", "08:00"))
DIGEST_MENU = ("07:00", "08:00", "18:00")
_HHMM = re.compile(r"^([01]\d|2[0-3]):?([0-5]\d)$")
_CALLBACK = re.compile(r"^(lang|tz|quiet|digest|urgent):([A-Za-z0-9_-]{1,16})$")
Changes = dict[str, str | bool | None]  # chat preference name -> new value, as Chats.update_chat takes them


def _clock(text: str) -> str | None:
    """'7:30', '0730' or '07:30' → '07:30'; None when not a time of day."""
    text = text.strip()
    if ":" not in text and len(text) != 4:
        return None
    match = _HHMM.match(text.zfill(5) if ":" in text else text)
    return f"{match.group(1)}:{match.group(2)}" if match else None


def format_settings(lang: str, prefs: ChatPrefs) -> str:
    """The chat's current settings, one per line."""
    off = t(lang, "settings.off")
    quiet = f"{prefs.quiet_start}–{prefs.quiet_end}" if prefs.quiet_start and prefs.quiet_end else off
    lines = [
        f"<b>{t(lang, 'settings.title')}</b>",
        t(lang, "settings.language", value=esc(LANGUAGE_NAMES.get(prefs.language, prefs.language))),
        t(lang, "settings.timezone", value=esc(prefs.timezone)),
        t(lang, "settings.quiet", value=esc(quiet)),
        t(lang, "settings.urgent", value=t(lang, "settings.on") if prefs.urgent_bypass_quiet else off),
        t(lang, "settings.digest", value=esc(prefs.digest_time or off)),
    ]
    if prefs.paused:
        lines.append(t(lang, "settings.paused", reason=esc(prefs.paused_reason or "")))
    lines.append("")
    lines.append(t(lang, "settings.hint"))
    return "\n".join(lines)


def settings_buttons(lang: str, prefs: ChatPrefs) -> tuple[tuple[Button, ...], ...]:
    """Inline buttons: one row per setting; callback data `set:<what>:<value>` (validated when pressed)."""
    def mark(text: str, chosen: bool) -> str:
        return f"✓ {text}" if chosen else text

    return (
        tuple(Button(mark(name, prefs.language == code), f"set:lang:{code}") for code, name in LANGUAGE_NAMES.items()),
        tuple(Button(mark(tz.split("/")[-1].replace("_", " "), prefs.timezone == tz), f"set:tz:{i}") for i, tz in enumerate(TIMEZONE_MENU)),
        (Button(mark(t(lang, "settings.button.quiet_off"), prefs.quiet_start is None), "set:quiet:off"),)
        + tuple(
            Button(mark(f"🌙 {a}–{b}", (prefs.quiet_start, prefs.quiet_end) == (a, b)), f"set:quiet:{a.replace(':', '')}-{b.replace(':', '')}")
            for a, b in QUIET_MENU
        ),
        (Button(mark(t(lang, "settings.button.digest_off"), prefs.digest_time is None), "set:digest:off"),)
        + tuple(Button(mark(f"📰 {d}", prefs.digest_time == d), f"set:digest:{d.replace(':', '')}") for d in DIGEST_MENU),
        (Button(t(lang, "settings.button.urgent_on" if prefs.urgent_bypass_quiet else "settings.button.urgent_off"),
                f"set:urgent:{'off' if prefs.urgent_bypass_quiet else 'on'}"),),
    )


def _show(req: Request, prefs: ChatPrefs, note: str = "") -> Reply:
    text = format_settings(prefs.language, prefs)
    return Reply((note + "\n\n" if note else "") + text, buttons=settings_buttons(prefs.language, prefs))


def _quiet(value: str) -> tuple[str | None, str | None] | None:
    """'off' → (None, None); '22:00-07:00' or '2200-0700' → the two times; None when malformed."""
    if value.lower() in ("off", "none", "0"):
        return None, None
    parts = value.replace("–", "-").split("-")
    if len(parts) != 2:
        return None
    start, end = _clock(parts[0]), _clock(parts[1])
    if start is None or end is None or start == end:
        return None
    return start, end


def _changes_from_args(req: Request) -> Changes | Reply:
    """Preference changes named by `/settings WHAT VALUE`, or a usage reply."""
    if len(req.args) != 2:
        return usage_reply(req, "settings.need_two")
    what, value = req.args[0].lower(), req.args[1]
    if what in ("language", "lang"):
        code = {"en": "en", "english": "en", "zh-tw": "zh-TW", "zh": "zh-TW", "中文": "zh-TW"}.get(value.lower())
        if code is None:
            return usage_reply(req, "settings.bad_language", value=value[:32])
        return {"language": code}
    if what in ("timezone", "tz"):
        return {"timezone": value}  # validated by storage
    if what == "quiet":
        pair = _quiet(value)
        if pair is None:
            return usage_reply(req, "settings.bad_quiet", value=value[:32])
        return {"quiet_start": pair[0], "quiet_end": pair[1]}
    if what == "digest":
        if value.lower() in ("off", "none"):
            return {"digest_time": None}
        clock = _clock(value)
        if clock is None:
            return usage_reply(req, "settings.bad_time", value=value[:32])
        return {"digest_time": clock}
    if what == "urgent":
        flag = {"on": True, "off": False, "yes": True, "no": False}.get(value.lower())
        if flag is None:
            return usage_reply(req, "settings.bad_onoff", value=value[:32])
        return {"urgent_bypass_quiet": flag}
    return usage_reply(req, "settings.unknown_setting", value=req.args[0][:32])


def _apply(req: Request, changes: Changes) -> Reply:
    prefs = chat_prefs(req)
    try:
        prefs = req.services.store.chats.update_chat(req.chat.id, **changes)
    except ChatError:
        if "timezone" in changes:
            return usage_reply(req, "settings.bad_timezone", value=str(changes["timezone"])[:64])
        return usage_reply(req, "settings.bad_value")
    return _show(req, prefs, "✅ " + t(prefs.language, "settings.saved"))


@REGISTRY.command("settings", summary="cmd.settings.summary", usage="cmd.settings.usage", group="settings", writes=True)
def settings(req: Request) -> Reply:
    """Show the chat's settings with buttons, or change one: /settings WHAT VALUE."""
    if not req.args:
        return _show(req, chat_prefs(req))
    changes = _changes_from_args(req)
    if isinstance(changes, Reply):
        return changes
    if not may_change_chat(req):
        return admin_only(req)
    return _apply(req, changes)


@REGISTRY.callback("set", writes=True)
def settings_button(req: Request, rest: str) -> Reply:
    """A settings button was pressed: `rest` is `<what>:<value>`, checked against the menus."""
    match = _CALLBACK.match(rest or "")
    if match is None:
        return Reply("⚠️ " + t(req.lang, "settings.bad_button"))
    if not may_change_chat(req):
        return admin_only(req)
    what, value = match.groups()
    changes: Changes | None = None
    if what == "lang" and value in LANGUAGE_NAMES:
        changes = {"language": value}
    elif what == "tz" and value.isdigit() and int(value) < len(TIMEZONE_MENU):
        changes = {"timezone": TIMEZONE_MENU[int(value)]}
    elif what == "quiet":
        pair = _quiet(value) if value == "off" or re.fullmatch(r"\d{4}-\d{4}", value) else None
        if pair is not None:
            changes = {"quiet_start": pair[0], "quiet_end": pair[1]}
    elif what == "digest":
        if value == "off":
            changes = {"digest_time": None}
        elif re.fullmatch(r"\d{4}", value) and _clock(value):
            changes = {"digest_time": _clock(value)}
    elif what == "urgent" and value in ("on", "off"):
        changes = {"urgent_bypass_quiet": value == "on"}
    if changes is None:
        return Reply("⚠️ " + t(req.lang, "settings.bad_button"))
    return _apply(req, changes)
