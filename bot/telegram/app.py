"""Wiring the python-telegram-bot Application: command and button handlers from the registry, access
rules (allowed chats, group admins), the error handler, the command menu and the scheduled jobs.

Handlers are synchronous and run off the event loop (asyncio.to_thread); replies go out through
bot.telegram.io so that every message is paced and every Telegram error is mapped in one place.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import datetime
from datetime import time as dt_time
from typing import Any

from telegram import BotCommand, CallbackQuery, LinkPreviewOptions, Message, MessageEntity, Update
from telegram.error import Conflict, NetworkError, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    Job,
    MessageHandler,
    filters,
)

from regimebot.bot.config import Settings
from regimebot.bot.telegram.io import Limits, Pacer, TelegramSender, chat_member_is_admin, send_reply
from regimebot.handlers import load_commands
from regimebot.handlers.context import Services
from regimebot.handlers.dispatch import Dispatcher, Incoming, Outcome
from regimebot.handlers.messages.i18n import t
from regimebot.handlers.messages.reply import Reply
from regimebot.handlers.registry import Chat, Registry
from regimebot.jobs.deliver import DeliveryError
from regimebot.jobs.schedule import BotJobs, JobOptions
from regimebot.jobs.scheduler import JobFn, Scheduled

log = logging.getLogger(__name__)

MENU_LANGUAGES = {"en": None, "zh-TW": "zh"}  # catalog language → set_my_commands language_code


@dataclass
class AppOptions:
    """Knobs of the running bot (tests and the benchmark shorten them)."""

    limits: Limits = field(default_factory=Limits)
    jobs: JobOptions = field(default_factory=JobOptions)
    schedule_jobs: bool = True
    read_timeout: float | None = None
    admin_cache_seconds: float = 60.0


class Runtime:
    """What the handlers of one running Application share."""

    def __init__(self, settings: Settings, services: Services, registry: Registry, options: AppOptions,
                 lock_owner: str | None) -> None:
        self.settings = settings
        self.services = services
        self.registry = registry
        self.options = options
        self.lock_owner = lock_owner
        self.pacer = Pacer(options.limits)
        self.sender: TelegramSender | None = None
        self.jobs: BotJobs | None = None
        self.dispatcher = Dispatcher(registry, services)
        self._admins: dict[tuple[int, int], tuple[bool, float]] = {}
        self.request_stop: Callable[[], None] = lambda: None
        self.exit_status = 0
        self.conflict_reported = False

    # --- access ------------------------------------------------------------------------

    async def is_admin(self, bot: Any, update: Update) -> bool:
        """A configured admin anywhere; in groups a chat administrator; channel posts come from its admins.

        A button press is judged by who pressed it: any subscriber can press a button under a channel post,
        and that post's sender is the channel itself, so neither counts as an administrator's say-so.
        """
        chat, user, message = update.effective_chat, update.effective_user, update.effective_message
        if user is not None and user.id in self.settings.admins:
            return True
        if chat is None:
            return False  # nothing here to administer (our handlers only see updates with a chat)
        if update.callback_query is None:
            if chat.type == "channel":
                return True  # only a channel's administrators can post in it
            if message is not None and message.sender_chat is not None and message.sender_chat.id == chat.id:
                return True  # an anonymous group administrator
        if chat.type == "private" or user is None:
            return False
        key = (chat.id, user.id)
        cached = self._admins.get(key)
        if cached is not None and cached[1] > time.monotonic():
            return cached[0]
        verdict = await chat_member_is_admin(bot, chat.id, user.id)
        self._admins[key] = (verdict, time.monotonic() + self.options.admin_cache_seconds)
        return verdict

    # --- replies -----------------------------------------------------------------------

    async def reply(self, bot: Any, chat_id: int, reply: Reply, thread_id: int | None) -> None:
        """Answer in the chat (and forum topic) asked from; failures are logged, not raised."""
        try:
            await send_reply(bot, chat_id, reply, thread_id, self.pacer, self.services.redact)
        except DeliveryError as exc:
            log.warning("reply to chat %s not delivered: %s", chat_id, exc)

    def lock_lost(self) -> None:
        """Another process took the database lock: stop (exit 1) rather than double-send."""
        self.exit_status = 1
        self.request_stop()

    def report_conflict(self, exc: TelegramError) -> None:
        """Another process polls with this token: say so in one line and stop."""
        if not self.conflict_reported:
            self.conflict_reported = True
            print(
                "regimebot: Telegram reports a conflict — another bot instance is already receiving updates "
                "with this token (only one `regimebot run` per token); stop it, then start again.",
                file=sys.stderr,
            )
        self.exit_status = 1
        self.request_stop()


class _QueuedJob:
    def __init__(self, job: Job[Any]) -> None:
        self._job = job

    @property
    def next_run(self) -> datetime | None:
        return self._job.next_t

    def cancel(self) -> None:
        self._job.schedule_removal()


class JobQueueScheduler:
    """The jobs' scheduler on PTB's JobQueue; background work runs as the Application's tasks (awaited at stop)."""

    def __init__(self, app: Application) -> None:
        self._app = app
        assert app.job_queue is not None, "python-telegram-bot's job-queue extra is installed with regimebot"
        self.queue = app.job_queue

    def every(self, job: JobFn, seconds: float, first: float, name: str) -> Scheduled:
        return _QueuedJob(self.queue.run_repeating(_job_callback(job), interval=seconds, first=first, name=name))

    def daily(self, job: JobFn, at: dt_time, name: str, days: tuple[int, ...] = (0, 1, 2, 3, 4, 5, 6)) -> Scheduled:
        return _QueuedJob(self.queue.run_daily(_job_callback(job), time=at, days=days, name=name))

    def spawn(self, work: Coroutine[Any, Any, None], name: str) -> None:
        if self._app.running:
            self._app.create_task(work, name=name)
        else:  # stopping: pending rows stay pending for the next start
            work.close()

    def pause(self) -> None:
        if self.queue.scheduler.running:
            self.queue.scheduler.pause()


def _job_callback(job: JobFn) -> Callable[[ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]:
    async def run(context: ContextTypes.DEFAULT_TYPE) -> None:
        await job()

    return run


def _runtime(context: ContextTypes.DEFAULT_TYPE) -> Runtime:
    return context.application.bot_data["runtime"]


def _thread_id(update: Update) -> int | None:
    message = update.effective_message
    if message is not None and message.is_topic_message:
        return message.message_thread_id
    return None


def _chat(update: Update) -> Chat:
    chat = update.effective_chat
    if chat is None:  # the command and button handlers are registered for updates that have a chat
        raise ValueError(f"update {update.update_id} has no chat")
    return Chat(chat.id, chat.type, chat.title or "", _thread_id(update))


def command_name(message: Message) -> str:
    """The command Telegram marked (its bot_command entity at the start, what PTB routed), without @bot.

    Not the text split at spaces: `/dxy.`, `/help,`, `/signal🙂` or `/quote` + a zero-width space are
    the commands dxy, help, signal and quote to Telegram, and must be to the bot as well.
    """
    for entity in message.entities:
        if entity.type == MessageEntity.BOT_COMMAND and entity.offset == 0:
            return message.parse_entity(entity)[1:].split("@", 1)[0].lower()
    return ""


def _incoming(update: Update, command: str = "", args: tuple[str, ...] = (), button: str | None = None) -> Incoming:
    user = update.effective_user
    return Incoming(_chat(update), user.id if user else None, user.language_code if user else None, command, args, button)


async def on_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Every /command: the dispatcher's rules and handler off the event loop, the reply through the pacer."""
    rt = _runtime(context)
    message = update.effective_message
    if message is None or update.effective_chat is None or not message.text:
        return
    incoming = _incoming(update, command_name(message), tuple(context.args or ()))
    outcome = await _dispatched(rt, context, update, incoming)
    if outcome.reply is not None:
        await rt.reply(context.bot, incoming.chat.id, outcome.reply, incoming.chat.thread_id)


async def on_callback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Inline buttons: the dispatcher validates the data and runs the registry's callback like a command."""
    rt = _runtime(context)
    query = update.callback_query
    if query is None:
        return
    if update.effective_chat is None:
        await _answer(query, t("en", "alerts.button_stale"))
        return
    incoming = _incoming(update, button=query.data or "")
    outcome = await _dispatched(rt, context, update, incoming)
    await _answer(query, outcome.toast)
    if outcome.reply is not None:
        await rt.reply(context.bot, incoming.chat.id, outcome.reply, incoming.chat.thread_id)


async def _dispatched(rt: Runtime, context: ContextTypes.DEFAULT_TYPE, update: Update, incoming: Incoming) -> Outcome:
    """Route, ask Telegram for admin rights only when a command or button will run, then run it (off the event loop)."""
    route = await asyncio.to_thread(rt.dispatcher.route, incoming)
    runs = route.allowed and (route.command is not None or route.callback is not None)
    is_admin = await rt.is_admin(context.bot, update) if runs else False
    return await asyncio.to_thread(rt.dispatcher.run, route, incoming, is_admin)


async def on_my_chat_member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The bot was removed, blocked or (re-)added: pause or resume the chat's deliveries at once."""
    rt = _runtime(context)
    change = update.my_chat_member
    if change is None:
        return
    await asyncio.to_thread(rt.dispatcher.membership, change.chat.id, change.new_chat_member.status)


async def _answer(query: CallbackQuery, text: str | None) -> None:
    try:
        await query.answer(text=text)
    except TelegramError as exc:  # the button press is answered best-effort; the reply matters more
        log.debug("answerCallbackQuery failed: %s", exc)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The one error handler: Conflict stops the bot with one line; other errors are logged and answered."""
    rt = _runtime(context)
    error = context.error
    if isinstance(error, Conflict):
        rt.report_conflict(error)
        return
    if update is None and isinstance(error, NetworkError):
        log.warning("Telegram could not be reached: %s", error)
        return
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("error while handling update %s: %s: %s", update_id, type(error).__name__, error, exc_info=error)
    if isinstance(update, Update) and update.effective_chat is not None:
        chat = update.effective_chat
        user = update.effective_user
        lang = await asyncio.to_thread(rt.dispatcher.language, chat.id, user.language_code if user else None)
        await rt.reply(context.bot, chat.id, rt.dispatcher.error_reply(lang), _thread_id(update))


def menu(registry: Registry, lang: str) -> list[BotCommand]:
    """The command menu in one language, from the registry (admin-only commands included, marked 🔒)."""
    out = []
    for command in registry.commands():
        if not command.menu:
            continue
        description = t(lang, command.summary)[:250]
        out.append(BotCommand(command.name, description if len(description) >= 3 else command.name))
    return out


async def _post_init(app: Application) -> None:
    rt: Runtime = app.bot_data["runtime"]
    for lang, code in MENU_LANGUAGES.items():
        try:
            await app.bot.set_my_commands(menu(rt.registry, lang), language_code=code)
        except TelegramError as exc:  # the menu is a convenience; the bot works without it
            log.warning("could not set the %s command menu: %s", lang, exc)
    if rt.options.schedule_jobs and rt.jobs is not None:
        rt.jobs.install(JobQueueScheduler(app))
    log.info("regimebot is running as @%s", app.bot.username)


async def _post_shutdown(app: Application) -> None:
    rt: Runtime = app.bot_data["runtime"]
    owner = rt.lock_owner
    if owner is not None:

        def release() -> None:
            rt.services.store.process_locks.release_lock(owner)

        await asyncio.to_thread(release)


def build_application(settings: Settings, services: Services, options: AppOptions | None = None,
                      lock_owner: str | None = None) -> Application:
    """The Application for `regimebot run`: Bot API at settings.telegram_api_url, every registry command wired."""
    options = options or AppOptions()
    token = settings.require_token()
    limits = options.limits
    builder = (
        ApplicationBuilder()
        .token(token)
        .base_url(settings.telegram_api_url)
        .rate_limiter(AIORateLimiter(overall_max_rate=limits.overall, overall_time_period=limits.overall_period,
                                     group_max_rate=limits.group, group_time_period=limits.group_period, max_retries=0))
        .concurrent_updates(True)
        .defaults(Defaults(link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    # RetryAfter reaches bot.telegram.io, which pauses the pacer, retries once and logs one line; the
    # limiter's own report of it would be a traceback per 429.
    logging.getLogger("telegram.ext.AIORateLimiter").setLevel(logging.CRITICAL)
    if options.read_timeout is not None:
        builder = builder.read_timeout(options.read_timeout).write_timeout(options.read_timeout).connect_timeout(options.read_timeout)
    app = builder.build()
    registry = load_commands()
    runtime = Runtime(settings, services, registry, options, lock_owner)
    runtime.sender = TelegramSender(app.bot, runtime.pacer, services.redact)
    runtime.jobs = BotJobs(services, runtime.sender, options.jobs, lock_owner=lock_owner,
                           on_lock_lost=runtime.lock_lost)
    app.bot_data["runtime"] = runtime
    updates = filters.UpdateType.MESSAGE | filters.UpdateType.CHANNEL_POST
    for command in registry.commands():
        app.add_handler(CommandHandler(command.name, on_command, filters=updates))
    app.add_handler(CallbackQueryHandler(on_callback))
    app.add_handler(ChatMemberHandler(on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
    app.add_handler(MessageHandler(filters.COMMAND & filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE, on_command))
    app.add_error_handler(on_error)
    return app
