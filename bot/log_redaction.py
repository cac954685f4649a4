"""Secrets out of the logs: a filter on the root handlers masks every record (ours and every library's, DEBUG too).

Also one line where a library would write a traceback for an answer that is not the Bot API's (an HTML page).
"""

from __future__ import annotations

import logging

from regimebot.macro.redaction import RedactingFilter, Redactor

QUIET_LOGGERS = ("httpx", "httpcore", "apscheduler")  # per-request URL lines and per-tick job lines
PAGE_LOGGER = "telegram.request.BaseRequest"  # logs a whole non-JSON answer with a traceback
PAGE_EXCERPT = 300


class PageExcerpt(logging.Filter):
    """PTB's "Can not load invalid JSON data" record: the page cut to an excerpt, without the traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info:
            message = " ".join(record.getMessage().split())
            record.msg = message if len(message) <= PAGE_EXCERPT else message[:PAGE_EXCERPT] + " …"
            record.args, record.exc_info, record.exc_text = None, None, None
        return True


def install_redaction(redactor: Redactor) -> RedactingFilter:
    """Put one RedactingFilter on the root logger and each of its handlers (libraries log through them)."""
    for noisy in QUIET_LOGGERS:
        logging.getLogger(noisy).setLevel(logging.WARNING)
    page_logger = logging.getLogger(PAGE_LOGGER)
    if not any(isinstance(f, PageExcerpt) for f in page_logger.filters):
        page_logger.addFilter(PageExcerpt())
    root = logging.getLogger()
    for old in [f for f in root.filters if isinstance(f, RedactingFilter)]:
        root.removeFilter(old)
    found = RedactingFilter(redactor)
    root.addFilter(found)
    for handler in root.handlers:
        for old in [f for f in handler.filters if isinstance(f, RedactingFilter)]:
            handler.removeFilter(old)
        handler.addFilter(found)
    return found
