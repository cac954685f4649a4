"""Read a TOML data file: the bundled copy under macro/data/, or a user's file that replaces it."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Any


def read_toml(bundled: str, path: str | Path | None, error: type[Exception], what: str, hint: str = "") -> tuple[dict[str, Any], str]:
    """(parsed document, origin for messages); unreadable or invalid files raise `error` naming the file."""
    if path is None:
        text = resources.files("regimebot.macro").joinpath("data", bundled).read_text(encoding="utf-8")
        origin = f"bundled {what}"
    else:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise error(f"cannot read {what} file {path}: {exc.strerror or exc}{'; ' + hint if hint else ''}") from exc
        except UnicodeDecodeError as exc:
            raise error(f"{what} file {path} is not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
        origin = str(path)
    try:
        return tomllib.loads(text), origin
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{origin}: not valid TOML ({exc})") from exc
