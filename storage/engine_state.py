"""Engine state in SQLite: current thesis statuses and signal states, status transitions, manual switches.

Migration version 2. `record_evaluation` is idempotent: it writes a transition only when a thesis's
status differs from the stored one, so evaluating the same data twice records nothing new.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import sqlite_utils

from regimebot.macro.engine import Evaluation
from regimebot.macro.signals import SignalResult
from regimebot.macro.theses import StatusChange
from regimebot.storage.repository import Repository, inserted_id, serialised

MAX_NOTE = 500


def _v2_engine_state(db: sqlite_utils.Database) -> None:
    db.execute(
        """CREATE TABLE thesis_states (
            thesis_id TEXT PRIMARY KEY,
            status TEXT NOT NULL,
            since TEXT,
            as_of TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )"""
    )
    db.execute(
        """CREATE TABLE signal_states (
            signal_id TEXT PRIMARY KEY,
            state TEXT NOT NULL,
            value REAL,
            since TEXT,
            as_of TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )"""
    )
    db.execute(
        """CREATE TABLE transitions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            thesis_id TEXT NOT NULL,
            old TEXT,
            new TEXT NOT NULL,
            as_of TEXT NOT NULL,
            evidence TEXT NOT NULL,
            created_at TEXT NOT NULL
        )"""
    )
    db.execute("CREATE INDEX transitions_thesis ON transitions (thesis_id, id)")
    db.execute(
        """CREATE TABLE manual_signals (
            signal_id TEXT PRIMARY KEY,
            is_on INTEGER NOT NULL,
            user_id INTEGER,
            note TEXT NOT NULL DEFAULT '',
            changed_at TEXT NOT NULL
        )"""
    )
    db.execute(
        """CREATE TABLE manual_signal_history (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            signal_id TEXT NOT NULL,
            is_on INTEGER NOT NULL,
            user_id INTEGER,
            note TEXT NOT NULL DEFAULT '',
            changed_at TEXT NOT NULL
        )"""
    )


@dataclass(frozen=True)
class StoredTransition(StatusChange):
    """A recorded thesis status change with its evidence (old None: the thesis's first status)."""

    id: int
    thesis_id: str
    old: str | None
    new: str
    as_of: date
    evidence: list[dict[str, Any]]
    created_at: str


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _number(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def evidence_dict(result: SignalResult) -> dict[str, Any]:
    """A signal result as stored evidence: id, state, value, thresholds, unit."""
    return {
        "signal": result.id,
        "state": result.state,
        "value": _number(result.value),
        "unit": result.unit,
        "direction": result.direction,
        "warn": _number(result.warn),
        "breach": _number(result.breach),
        "warn_exit": _number(result.warn_exit),
        "breach_exit": _number(result.breach_exit),
        "since": result.since.isoformat() if result.since else None,
        "meaning": dict(result.meaning),
    }


def _row_to_transition(row: tuple[Any, ...]) -> StoredTransition:
    tid, thesis_id, old, new, as_of, evidence, created_at = row
    return StoredTransition(id=int(tid), thesis_id=thesis_id, old=old, new=new, as_of=date.fromisoformat(as_of),
                            evidence=json.loads(evidence), created_at=created_at)


_SELECT = "SELECT id, thesis_id, old, new, as_of, evidence, created_at FROM transitions"


def _check_signal_id(signal_id: Any) -> str:
    if not isinstance(signal_id, str) or not signal_id or len(signal_id) > 64:
        raise ValueError(f"signal id must be a non-empty string of at most 64 characters (got {signal_id!r})")
    return signal_id


class EngineState(Repository):
    """Thesis statuses, signal states, transitions and manual switches."""

    @serialised
    def record_evaluation(self, evaluation: Evaluation) -> list[StoredTransition]:
        """Store the evaluation's statuses and signal states; return the status changes it made.

        A thesis seen for the first time is stored with old=None (callers do not alert on those).
        An evaluation older than the stored one for a thesis changes nothing for that thesis.
        """
        as_of = evaluation.as_of.isoformat()
        now = _now()
        new_ids: list[int] = []
        with self._db.atomic():
            for thesis in evaluation.theses.values():
                row = self._db.execute("SELECT status, as_of FROM thesis_states WHERE thesis_id = ?", [thesis.id]).fetchone()
                if row is not None and row[1] > as_of:
                    continue
                since = thesis.since.isoformat() if thesis.since else None
                if row is not None and row[0] == thesis.status:
                    self._db.execute("UPDATE thesis_states SET as_of = ?, updated_at = ? WHERE thesis_id = ?", [as_of, now, thesis.id])
                    continue
                evidence = json.dumps([evidence_dict(r) for r in thesis.evidence], ensure_ascii=False)
                cursor = self._db.execute(
                    "INSERT INTO transitions (thesis_id, old, new, as_of, evidence, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                    [thesis.id, row[0] if row else None, thesis.status, as_of, evidence, now],
                )
                new_ids.append(inserted_id(cursor))
                self._db.execute(
                    "INSERT INTO thesis_states (thesis_id, status, since, as_of, updated_at) VALUES (?, ?, ?, ?, ?) "
                    "ON CONFLICT(thesis_id) DO UPDATE SET status = excluded.status, since = excluded.since, "
                    "as_of = excluded.as_of, updated_at = excluded.updated_at",
                    [thesis.id, thesis.status, since, as_of, now],
                )
            for signal in evaluation.signals.values():
                self._db.execute(
                    "INSERT INTO signal_states (signal_id, state, value, since, as_of, updated_at) VALUES (?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT(signal_id) DO UPDATE SET state = excluded.state, value = excluded.value, "
                    "since = excluded.since, as_of = excluded.as_of, updated_at = excluded.updated_at "
                    "WHERE excluded.as_of >= signal_states.as_of",
                    [signal.id, signal.state, _number(signal.value), signal.since.isoformat() if signal.since else None, as_of, now],
                )
        return [t for t in (self.get_transition(i) for i in new_ids) if t is not None]

    @serialised
    def get_transition(self, transition_id: int) -> StoredTransition | None:
        """One transition by id (None if there is no such id)."""
        row = self._db.execute(_SELECT + " WHERE id = ?", [int(transition_id)]).fetchone()
        return _row_to_transition(row) if row else None

    @serialised
    def recent_transitions(self, limit: int = 20, thesis_id: str | None = None) -> list[StoredTransition]:
        """The newest transitions first (optionally of one thesis)."""
        limit = max(1, min(int(limit), 1000))
        if thesis_id is None:
            rows = self._db.execute(_SELECT + " ORDER BY id DESC LIMIT ?", [limit]).fetchall()
        else:
            rows = self._db.execute(_SELECT + " WHERE thesis_id = ? ORDER BY id DESC LIMIT ?", [thesis_id, limit]).fetchall()
        return [_row_to_transition(r) for r in rows]

    @serialised
    def current_statuses(self) -> dict[str, tuple[str, date | None]]:
        """thesis id → (stored status, since)."""
        rows = self._db.execute("SELECT thesis_id, status, since FROM thesis_states ORDER BY thesis_id").fetchall()
        return {tid: (status, date.fromisoformat(since) if since else None) for tid, status, since in rows}

    @serialised
    def signal_states(self) -> dict[str, dict[str, Any]]:
        """signal id → {state, value, since, as_of} as last recorded."""
        rows = self._db.execute("SELECT signal_id, state, value, since, as_of FROM signal_states").fetchall()
        return {sid: {"state": st, "value": v, "since": since, "as_of": as_of} for sid, st, v, since, as_of in rows}

    @serialised
    def set_manual_signal(self, signal_id: str, on: bool, user_id: int | None, note: str = "") -> int:
        """Switch a manual signal on or off (the caller checks the id is a manual signal and the user an admin).

        Returns the switch's history id.
        """
        _check_signal_id(signal_id)
        note = (note or "")[:MAX_NOTE]
        now = _now()
        with self._db.atomic():
            self._db.execute(
                "INSERT INTO manual_signals (signal_id, is_on, user_id, note, changed_at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT(signal_id) DO UPDATE SET is_on = excluded.is_on, user_id = excluded.user_id, "
                "note = excluded.note, changed_at = excluded.changed_at",
                [signal_id, 1 if on else 0, user_id, note, now],
            )
            cursor = self._db.execute(
                "INSERT INTO manual_signal_history (signal_id, is_on, user_id, note, changed_at) VALUES (?, ?, ?, ?, ?)",
                [signal_id, 1 if on else 0, user_id, note, now],
            )
        return inserted_id(cursor)

    @serialised
    def evaluated_through(self) -> dict[str, date]:
        """thesis id → the as-of date of the last evaluation recorded for it."""
        rows = self._db.execute("SELECT thesis_id, as_of FROM thesis_states").fetchall()
        return {tid: date.fromisoformat(as_of) for tid, as_of in rows}

    @serialised
    def manual_signals_before_last_switch(self) -> dict[str, bool]:
        """Each switched manual signal's position just before its latest switch (off before the first)."""
        rows = self._db.execute("SELECT signal_id, is_on FROM manual_signal_history ORDER BY id").fetchall()
        history: dict[str, list[bool]] = {}
        for sid, on in rows:
            history.setdefault(sid, []).append(bool(on))
        return {sid: (ons[-2] if len(ons) > 1 else False) for sid, ons in history.items()}

    @serialised
    def manual_signals(self) -> dict[str, bool]:
        """Current position of every manual signal ever switched."""
        rows = self._db.execute("SELECT signal_id, is_on FROM manual_signals").fetchall()
        return {sid: bool(on) for sid, on in rows}

    @serialised
    def manual_history(self, signal_id: str) -> list[dict[str, Any]]:
        """Who switched a manual signal, when, to what, and why — oldest first."""
        rows = self._db.execute(
            "SELECT user_id, changed_at, is_on, note FROM manual_signal_history WHERE signal_id = ? ORDER BY id",
            [_check_signal_id(signal_id)],
        ).fetchall()
        return [{"who": uid, "when": when, "on": bool(on), "note": note} for uid, when, on, note in rows]
