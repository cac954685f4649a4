"""A fake Telegram Bot API server on loopback (aiohttp): scripted updates, recorded calls, limits, faults.

It speaks the Bot API's wire format (form-encoded or multipart requests, `{"ok": …}` JSON answers),
so the real python-telegram-bot `Application` runs against it unchanged (base_url pointed here).
It enforces Telegram's sending limits with sliding windows (overall per second, per chat, per group
per minute), answering 429 with `retry_after` beyond them, and injects faults on request.
"""

from __future__ import annotations

import asyncio
import bisect
import json
import math
import re
import threading
import time
from collections import Counter, defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

SEND_METHODS = {"sendmessage", "sendphoto"}
# What Telegram marks as a bot command at the start of a message: ASCII letters, digits and _ (then @bot).
BOT_COMMAND = re.compile(r"^/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?")


@dataclass
class ServerLimits:
    """Sliding-window limits: at most `overall` sends per `overall_period` s, `chat` per `chat_period` s per chat, …"""

    overall: int = 30
    overall_period: float = 1.0
    chat: int = 1
    chat_period: float = 1.0
    group: int = 20
    group_period: float = 60.0


@dataclass
class Call:
    """One Bot API request as the server saw it."""

    method: str
    params: dict[str, Any]
    at: float
    status: int
    token: str


@dataclass
class Fault:
    """A scripted failure for the next matching send: kind is 429, 500, 502, timeout, 403, 400, migrate,
    html502 (a proxy's HTML error page quoting the request path, token included) or html200 (the same page, 200)."""

    kind: str
    chat_id: int | None = None
    retry_after: int = 1
    new_chat_id: int | None = None
    times: int = 1


@dataclass
class FakeBotServer:
    """The fake Bot API. Use `async with FakeBotServer() as server:` (or `run_in_thread()`)."""

    limits: ServerLimits = field(default_factory=ServerLimits)
    bot_id: int = 777000111
    username: str = "regime_test_bot"
    hang_seconds: float = 3.0  # how long a "timeout" fault keeps the request open
    poll_cap: float = 0.3  # longest a getUpdates waits (keeps shutdown fast)
    calls: list[Call] = field(default_factory=list)
    sent: list[dict[str, Any]] = field(default_factory=list)
    rejected_429: int = 0
    limit_hits: Counter = field(default_factory=Counter)  # which limit refused a send (overall, chat, group)
    admins: dict[int, set[int]] = field(default_factory=dict)  # chat id → administrator user ids
    blocked: set[int] = field(default_factory=set)  # chats that answer 403 forever
    migrated: dict[int, int] = field(default_factory=dict)  # old chat id → new id, forever
    faults: list[Fault] = field(default_factory=list)
    conflict: bool = False  # getUpdates answers 409 Conflict (another poller)
    html_status: int | None = None  # every method answers this status with an HTML page quoting the path (a proxy)
    valid_tokens: set[str] | None = None  # when set, other tokens get 401 Unauthorized (a revoked or mistyped token)
    webhook_info: dict[str, Any] = field(default_factory=lambda: {"url": "", "has_custom_certificate": False,
                                                                  "pending_update_count": 0})

    def __post_init__(self) -> None:
        self._updates: list[dict[str, Any]] = []
        self._next_update_id = 1
        self._next_message_id = 1
        self._overall: deque[float] = deque()
        self._per_chat: dict[int, deque[float]] = defaultdict(deque)
        self._groups: dict[int, deque[float]] = defaultdict(deque)
        self._runner: web.AppRunner | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._update_event: asyncio.Event | None = None
        self._lock = threading.Lock()
        self.port = 0

    # --- lifecycle ---------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """What to give as REGIMEBOT_TELEGRAM_API_URL (PTB appends the token)."""
        return f"http://127.0.0.1:{self.port}/bot"

    async def start(self) -> FakeBotServer:
        self._loop = asyncio.get_running_loop()
        self._update_event = asyncio.Event()
        app = web.Application(client_max_size=20 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeBotServer:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def run_in_thread(self) -> ThreadedServer:
        """Serve from a background thread (for tests that run regimebot as a subprocess)."""
        return ThreadedServer(self)

    # --- scripting ---------------------------------------------------------------------

    def push_update(self, update: dict[str, Any]) -> int:
        """Queue an update for getUpdates; returns its update_id."""
        with self._lock:
            update = dict(update, update_id=self._next_update_id)
            self._next_update_id += 1
            self._updates.append(update)
        if self._loop is not None and self._update_event is not None:
            self._loop.call_soon_threadsafe(self._update_event.set)
        return update["update_id"]

    def command(self, chat_id: int, text: str, *, user_id: int = 1001, chat_type: str = "private",
                thread_id: int | None = None, language_code: str = "en", title: str = "") -> int:
        """Queue a message update whose text starts with a /command (with its bot_command entity)."""
        return self.push_update({"message": self.message_json(chat_id, text, user_id=user_id, chat_type=chat_type,
                                                               thread_id=thread_id, language_code=language_code, title=title)})

    def press(self, chat_id: int, data: str, *, user_id: int = 1001, chat_type: str = "private",
              message_id: int = 1, language_code: str = "en") -> int:
        """Queue a callback query (an inline button pressed under message `message_id`)."""
        message = self.message_json(chat_id, "alert", user_id=self.bot_id, chat_type=chat_type, is_bot=True)
        message["message_id"] = message_id
        return self.push_update({"callback_query": {
            "id": f"cq{time.monotonic_ns()}", "from": self._user(user_id, language_code),
            "message": message, "chat_instance": str(chat_id), "data": data,
        }})

    def message_json(self, chat_id: int, text: str, *, user_id: int, chat_type: str = "private",
                     thread_id: int | None = None, language_code: str = "en", title: str = "", is_bot: bool = False) -> dict:
        chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
        if chat_type == "private":
            chat["first_name"] = "Tester"
        else:
            chat["title"] = title or f"Group {chat_id}"
            if thread_id is not None:
                chat["is_forum"] = True
        message: dict[str, Any] = {
            "message_id": self._new_message_id(), "date": int(time.time()), "chat": chat, "text": text,
            "from": self._user(user_id, language_code, is_bot=is_bot),
        }
        command = BOT_COMMAND.match(text)
        if command:  # as Telegram marks it: `/dxy.` is the command /dxy followed by a dot
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command.group(0))}]
        if thread_id is not None:
            message["message_thread_id"] = thread_id
            message["is_topic_message"] = True
        return message

    def _user(self, user_id: int, language_code: str = "en", is_bot: bool = False) -> dict:
        return {"id": user_id, "is_bot": is_bot, "first_name": f"U{user_id}", "language_code": language_code}

    def _new_message_id(self) -> int:
        with self._lock:
            self._next_message_id += 1
            return self._next_message_id

    def messages_to(self, chat_id: int) -> list[dict[str, Any]]:
        """Accepted sendMessage/sendPhoto requests to one chat, in order."""
        return [m for m in self.sent if m["chat_id"] == chat_id]

    def calls_of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method.lower()]

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 15.0, what: str = "condition") -> None:
        """Wait (polling) until predicate() is true; fail the test with `what` after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout} s waiting for {what}")
            await asyncio.sleep(0.02)

    # --- the API -----------------------------------------------------------------------

    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            body = await request.json() if request.can_read_body else {}
            params.update(body or {})
        elif request.can_read_body:
            form = await request.post()
            for key, value in form.items():
                if hasattr(value, "file"):
                    params[key] = {"filename": value.filename, "size": len(value.file.read())}
                else:
                    params[key] = value
        for key, value in list(params.items()):
            if isinstance(value, str) and value[:1] in "[{":
                try:
                    params[key] = json.loads(value)
                except ValueError:
                    pass
        return params

    def _reply(self, call: Call, status: int, payload: dict[str, Any]) -> web.Response:
        call.status = status
        return web.json_response(payload, status=status)

    async def _handle(self, request: web.Request) -> web.Response:
        arrived = time.monotonic()  # limits count requests as they arrive
        method = request.match_info["method"].lower()
        params = await self._params(request)
        call = Call(method, params, arrived, 0, request.match_info["token"])
        self.calls.append(call)
        if self.html_status is not None:
            return self._html_page(call, self.html_status)
        if self.valid_tokens is not None and call.token not in self.valid_tokens:
            return self._error(call, 401, "Unauthorized")
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return self._reply(call, 404, {"ok": False, "error_code": 404, "description": "Not Found: method not found"})
        return await handler(call)

    def _html_page(self, call: Call, status: int) -> web.Response:
        """What a reverse proxy answers when the Bot API behind it fails: HTML quoting the path, token included."""
        call.status = status
        page = (f"<html><head><title>Error</title></head><body><h1>Bad Gateway</h1><p>upstream failed for "
                f"POST /bot{call.token}/{call.method}</p></body></html>")
        return web.Response(text=page, status=status, content_type="text/html")

    def _ok(self, call: Call, result: Any) -> web.Response:
        return self._reply(call, 200, {"ok": True, "result": result})

    def _error(self, call: Call, code: int, description: str, parameters: dict | None = None) -> web.Response:
        payload: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
        if parameters:
            payload["parameters"] = parameters
        return self._reply(call, code, payload)

    async def _api_getme(self, call: Call) -> web.Response:
        return self._ok(call, {"id": self.bot_id, "is_bot": True, "first_name": "Regime", "username": self.username,
                               "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": False})

    async def _api_getupdates(self, call: Call) -> web.Response:
        if self.conflict:
            return self._error(call, 409, "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running")
        offset = int(call.params.get("offset", 0) or 0)
        timeout = min(float(call.params.get("timeout", 0) or 0), self.poll_cap)
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                if offset:
                    self._updates = [u for u in self._updates if u["update_id"] >= offset]
                ready = list(self._updates)
                self._update_event.clear()
            if ready or time.monotonic() >= deadline:
                return self._ok(call, ready)
            try:
                await asyncio.wait_for(self._update_event.wait(), max(0.0, deadline - time.monotonic()))
            except TimeoutError:
                pass

    async def _simple_true(self, call: Call) -> web.Response:
        return self._ok(call, True)

    _api_setmycommands = _simple_true
    _api_deletemycommands = _simple_true
    _api_deletewebhook = _simple_true
    _api_setwebhook = _simple_true
    _api_answercallbackquery = _simple_true
    _api_close = _simple_true
    _api_logout = _simple_true

    async def _api_getwebhookinfo(self, call: Call) -> web.Response:
        return self._ok(call, self.webhook_info)

    async def _api_getmycommands(self, call: Call) -> web.Response:
        for previous in reversed(self.calls_of("setMyCommands")):
            if previous.params.get("language_code", "") == call.params.get("language_code", ""):
                return self._ok(call, previous.params.get("commands", []))
        return self._ok(call, [])

    async def _api_getchatmember(self, call: Call) -> web.Response:
        chat_id, user_id = int(call.params["chat_id"]), int(call.params["user_id"])
        user = self._user(user_id)
        if user_id in self.admins.get(chat_id, set()):
            flags = ("can_be_edited", "is_anonymous", "can_manage_chat", "can_delete_messages", "can_manage_video_chats",
                     "can_restrict_members", "can_promote_members", "can_change_info", "can_invite_users",
                     "can_post_stories", "can_edit_stories", "can_delete_stories")
            member = {"status": "administrator", "user": user, **{f: f not in ("can_be_edited", "is_anonymous") for f in flags}}
        else:
            member = {"status": "member", "user": user}
        return self._ok(call, member)

    async def _api_sendmessage(self, call: Call) -> web.Response:
        return await self._send(call)

    async def _api_sendphoto(self, call: Call) -> web.Response:
        return await self._send(call)

    async def _api_editmessagetext(self, call: Call) -> web.Response:
        return self._ok(call, True)

    def _take_fault(self, chat_id: int) -> Fault | None:
        for fault in self.faults:
            if fault.times > 0 and (fault.chat_id is None or fault.chat_id == chat_id):
                fault.times -= 1
                if fault.times == 0:
                    self.faults.remove(fault)
                return fault
        return None

    def _limit_wait(self, chat_id: int, now: float) -> float:
        """Seconds until a send to chat_id is within every limit (0: allowed now)."""
        lim = self.limits
        waits = [0.0]
        for name, window, count, period in (
            ("overall", self._overall, lim.overall, lim.overall_period),
            ("chat", self._per_chat[chat_id], lim.chat, lim.chat_period),
            ("group", self._groups[chat_id] if chat_id < 0 else None, lim.group, lim.group_period),
        ):
            if window is None:
                continue
            while window and window[0] <= now - period:
                window.popleft()
            if len(window) >= count:
                waits.append(window[-count] + period - now)
                self.limit_hits[name] += 1
        return max(waits)

    async def _send(self, call: Call) -> web.Response:
        p = call.params
        try:
            chat_id = int(p["chat_id"])
        except (KeyError, ValueError):
            return self._error(call, 400, "Bad Request: chat_id is empty")
        if call.method == "sendmessage" and not str(p.get("text", "")).strip():
            return self._error(call, 400, "Bad Request: message text is empty")
        if len(str(p.get("text", ""))) > 4096:
            return self._error(call, 400, "Bad Request: message is too long")
        fault = self._take_fault(chat_id)
        if fault is not None:
            if fault.kind in ("html502", "html200"):
                return self._html_page(call, 502 if fault.kind == "html502" else 200)
            if fault.kind == "timeout":
                await asyncio.sleep(self.hang_seconds)
                return self._error(call, 504, "Gateway Timeout")
            if fault.kind == "429":
                self.rejected_429 += 1
                return self._error(call, 429, f"Too Many Requests: retry after {fault.retry_after}", {"retry_after": fault.retry_after})
            if fault.kind in ("500", "502"):
                return self._error(call, int(fault.kind), "Internal Server Error" if fault.kind == "500" else "Bad Gateway")
            if fault.kind == "403":
                return self._error(call, 403, "Forbidden: bot was blocked by the user")
            if fault.kind == "400":
                return self._error(call, 400, "Bad Request: can't parse entities")
            if fault.kind == "migrate":
                self.migrated[chat_id] = fault.new_chat_id  # Telegram keeps answering so for the old id
                return self._error(call, 400, "Bad Request: group chat was upgraded to a supergroup chat",
                                   {"migrate_to_chat_id": fault.new_chat_id})
        if chat_id in self.migrated:
            return self._error(call, 400, "Bad Request: group chat was upgraded to a supergroup chat",
                               {"migrate_to_chat_id": self.migrated[chat_id]})
        if chat_id in self.blocked:
            return self._error(call, 403, "Forbidden: bot was blocked by the user")
        now = call.at
        wait = self._limit_wait(chat_id, now)
        if wait > 0:
            self.rejected_429 += 1
            retry = max(1, math.ceil(wait))
            return self._error(call, 429, f"Too Many Requests: retry after {retry}", {"retry_after": retry})
        bisect.insort(self._overall, now)  # kept in arrival order even when bodies finish parsing out of order
        bisect.insort(self._per_chat[chat_id], now)
        if chat_id < 0:
            bisect.insort(self._groups[chat_id], now)
        message_id = self._new_message_id()
        record = {
            "method": call.method, "chat_id": chat_id, "message_id": message_id, "at": now,
            "text": p.get("text") if call.method == "sendmessage" else p.get("caption"),
            "parse_mode": p.get("parse_mode"), "thread_id": int(p["message_thread_id"]) if p.get("message_thread_id") else None,
            "silent": str(p.get("disable_notification", "")).lower() == "true",
            "reply_markup": p.get("reply_markup"), "photo": p.get("photo"),
        }
        self.sent.append(record)
        chat_type = "private" if chat_id > 0 else "supergroup"
        result: dict[str, Any] = {"message_id": message_id, "date": int(time.time()), "chat": {"id": chat_id, "type": chat_type}}
        if call.method == "sendmessage":
            result["text"] = record["text"]
        else:
            result["photo"] = [{"file_id": f"ph{message_id}", "file_unique_id": f"u{message_id}", "width": 10, "height": 10}]
        if record["thread_id"] is not None:
            result["message_thread_id"] = record["thread_id"]
        return self._ok(call, result)


class ThreadedServer:
    """Context manager running a FakeBotServer on its own event loop in a daemon thread."""

    def __init__(self, server: FakeBotServer) -> None:
        self.server = server
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def __enter__(self) -> FakeBotServer:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self.server.start(), self._loop).result(10)
        return self.server

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self.server.stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()
