"""The arrows point one way: macro is pure, storage knows no app shell, handlers know no bot or jobs."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
NETWORK_OR_IO = {"telegram", "sqlite3", "sqlite_utils", "aiohttp", "httpx", "requests", "urllib", "socket",
                 "yfinance", "curl_cffi", "bot", "handlers", "jobs", "storage"}
APP_SHELL = {"bot", "handlers", "jobs"}
HTTP_PROVIDERS = {"fred.py", "mof.py", "treasury.py"}  # live sources over plain HTTP: the only macro modules that may import httpx


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {top_name(a.name) for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(top_name(node.module))
    return found


def top_name(module: str) -> str:
    """The layer a module belongs to: `regimebot.macro.x` -> `macro`; a third-party module's top name."""
    parts = module.split(".")
    return parts[1] if parts[0] == "regimebot" and len(parts) > 1 else parts[0]


def modules(package: str):
    return sorted((REPO / package).rglob("*.py"))


def test_macro_is_pure():
    offenders = {}
    for path in modules("macro"):
        is_provider = path.parent.name == "providers"
        allowed = {"yfinance"} if path.name == "yahoo.py" else {"httpx"} if is_provider and path.name in HTTP_PROVIDERS else set()
        bad = (imports_of(path) & NETWORK_OR_IO) - allowed
        if bad:
            offenders[str(path.relative_to(REPO))] = sorted(bad)
    assert offenders == {}


def test_only_the_yahoo_provider_imports_yfinance():
    users = [str(p.relative_to(REPO)) for pkg in ("macro", "storage", "handlers", "jobs", "bot") for p in modules(pkg)
             if "yfinance" in imports_of(p)]
    assert users == ["macro/providers/yahoo.py"]


def test_storage_and_handlers_point_down():
    offenders = {}
    for pkg, forbidden in (("storage", APP_SHELL), ("handlers", {"bot", "jobs"}), ("jobs", {"bot"})):
        for path in modules(pkg):
            bad = imports_of(path) & forbidden
            if bad:
                offenders[str(path.relative_to(REPO))] = sorted(bad)
    assert offenders == {}


def test_sql_lives_in_storage():
    import re

    sql = re.compile(r"\b(SELECT\s+.+\s+FROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+TABLE)\b", re.I)
    offenders = [str(p.relative_to(REPO)) for pkg in ("macro", "handlers", "jobs", "bot") for p in modules(pkg)
                 if sql.search(p.read_text(encoding="utf-8"))]
    assert offenders == []


def handler_modules_imported_by(package: str) -> dict[str, set[str]]:
    """For each file of `package`, the regimebot.handlers modules it imports (as paths under handlers/)."""
    out: dict[str, set[str]] = {}
    for path in modules(package):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module] if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 else [])
            for name in names:
                if name.startswith("regimebot.handlers"):
                    out.setdefault(str(path.relative_to(REPO)), set()).add(name)
    return out


def registers_commands(module: str) -> bool:
    """A handlers module that registers chat commands or buttons on the registry when imported."""
    rel = Path(*module.split(".")[1:])
    path = REPO / rel.with_suffix(".py") if (REPO / rel.with_suffix(".py")).exists() else REPO / rel / "__init__.py"
    return "@REGISTRY." in path.read_text(encoding="utf-8")


def test_jobs_import_no_command_module():
    offenders = {f: sorted(m for m in mods if registers_commands(m)) for f, mods in handler_modules_imported_by("jobs").items()}
    assert {f: m for f, m in offenders.items() if m} == {}


def test_importing_the_messages_layer_registers_no_command():
    import subprocess
    import sys

    code = ("import pkgutil, importlib, regimebot.handlers.messages as m\n"
            "for info in pkgutil.iter_modules(m.__path__): importlib.import_module('regimebot.handlers.messages.' + info.name)\n"
            "from regimebot.handlers.registry import REGISTRY\n"
            "print(len(REGISTRY.commands()) + len(REGISTRY.callbacks()))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert done.stdout.strip() == "0"
