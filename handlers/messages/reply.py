"""What a handler returns: text (Telegram HTML), an optional image, optional inline buttons."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Button:
    """An inline button. `data` is callback data (≤ 64 bytes), validated again when pressed."""

    text: str
    data: str


@dataclass(frozen=True)
class Reply:
    """A chat answer, the same for Telegram and the console chat.

    `text` is Telegram HTML: every dynamic value in it must already be escaped (html.escape).
    `silent` sends without a notification sound (recoveries, digests).
    """

    text: str
    image: bytes | None = None
    image_name: str = "chart.png"
    buttons: tuple[tuple[Button, ...], ...] = ()
    silent: bool = False
    extra: tuple[Reply, ...] = field(default=())  # further messages sent after this one
