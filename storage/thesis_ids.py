"""Renamed theses: stored states, transitions, alerts, subscriptions and mutes follow a thesis to its new id."""

from __future__ import annotations

import sqlite_utils

# old id → new id. dollar_debasement_risk_off was a risk scenario whose statuses read backwards; the
# position it threatens is us_assets_haven (issue 9), invalidated by the same seed-004 signals.
RENAMED = {"dollar_debasement_risk_off": "us_assets_haven"}

# tables with a thesis_id column; those keyed on it keep an existing row of the new id over the old one
_KEYED = ("thesis_states", "subscriptions", "thesis_mutes")
_HISTORY = ("transitions", "alerts")


def _v9_rename_theses(db: sqlite_utils.Database) -> None:
    """Move every stored row of a renamed thesis to its new id (schema version 9)."""
    for old, new in RENAMED.items():
        for table in _KEYED:
            db.execute(f"UPDATE OR IGNORE {table} SET thesis_id = ? WHERE thesis_id = ?", [new, old])  # noqa: S608
            db.execute(f"DELETE FROM {table} WHERE thesis_id = ?", [old])  # noqa: S608
        for table in _HISTORY:
            db.execute(f"UPDATE {table} SET thesis_id = ? WHERE thesis_id = ?", [new, old])  # noqa: S608
