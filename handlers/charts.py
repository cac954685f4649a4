"""Phone-readable PNG charts (matplotlib, Agg canvas, no pyplot state): price history with thresholds, heatmaps."""

from __future__ import annotations

import io
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

COLORS = {"warn": "#e69f00", "breach": "#d62728"}
SIZE = (7.0, 4.6)  # inches; at 160 dpi ≈ 1120×736 px, readable on a phone
DPI = 160
PNG_COMPRESSION = 1  # zlib level: 6 (the default) spends tens of ms for a few kB less
MAX_PIXELS = 1280  # Telegram shows a photo at most 1280 px on its longer side: drawing more is wasted time


def _png(fig: Figure) -> bytes:
    """Draw once on the Agg canvas and encode: fast zlib (the photo is re-encoded by Telegram anyway)."""
    canvas = FigureCanvasAgg(fig)
    buf = io.BytesIO()
    canvas.print_png(buf, pil_kwargs={"compress_level": PNG_COMPRESSION})
    return buf.getvalue()


def _margins(fig: Figure, left: float, bottom: float, right: float = 0.25, top: float = 0.55) -> None:
    """Fixed margins in inches (tight_layout measured every label with a second draw: a third of the time)."""
    width, height = fig.get_size_inches()
    fig.subplots_adjust(left=left / width, bottom=bottom / height, right=1 - right / width, top=1 - top / height)


Threshold = tuple[str, str, float]  # (signal id, warn|breach, level)


def visible_thresholds(values: pd.Series, thresholds: Sequence[Threshold]) -> tuple[list[Threshold], list[Threshold]]:
    """Split thresholds into those near enough to the data to draw and those off the chart."""
    lo, hi = float(values.min()), float(values.max())
    span = max(hi - lo, abs(hi) * 0.02, 1e-9)
    near: list[Threshold] = []
    far: list[Threshold] = []
    for signal_id, state, level in thresholds:
        try:
            level = float(level)
        except (TypeError, ValueError):
            continue
        if not math.isfinite(level):
            continue
        (near if lo - 0.5 * span <= level <= hi + 0.5 * span else far).append((str(signal_id), str(state), level))
    return near, far


def render_price_chart(
    values: pd.Series,
    title: str,
    unit: str,
    source: str,
    thresholds: Sequence[tuple[str, str, float]] = (),
) -> bytes:
    """A line chart of `values` (DatetimeIndex) with horizontal warn/breach lines; PNG bytes."""
    fig = Figure(figsize=SIZE, dpi=DPI)
    ax = fig.add_subplot(1, 1, 1)
    ax.plot(values.index, values.to_numpy(), color="#1f4e79", linewidth=2.0)
    last_date, last = values.index[-1], float(values.iloc[-1])
    ax.scatter([last_date], [last], color="#1f4e79", zorder=3)
    ax.annotate(f"{last:,.4g}", (last_date, last), textcoords="offset points", xytext=(-8, 10), ha="right", fontsize=13, fontweight="bold")
    near, _ = visible_thresholds(values, thresholds)
    for signal_id, state, level in near:
        ax.axhline(level, color=COLORS.get(state, "#777777"), linestyle="--", linewidth=1.6)
        ax.text(values.index[0], level, f" {signal_id} {state} {level:,.4g}", color=COLORS.get(state, "#777777"), fontsize=10, va="bottom")
    ax.set_title(title, fontsize=16, fontweight="bold", loc="left")
    if unit:
        ax.set_ylabel(unit, fontsize=12)
    ax.tick_params(labelsize=11)
    ax.grid(True, alpha=0.3)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.autofmt_xdate(bottom=0.2)
    _margins(fig, left=1.0, bottom=0.85)
    fig.text(0.01, 0.01, source, fontsize=10, color="#555555", ha="left", va="bottom")
    return _png(fig)


def render_heatmap(matrix: np.ndarray, labels: Sequence[str], title: str, source: str) -> bytes:
    """A correlation heatmap (−1 blue … +1 red) with the value in each cell; PNG bytes."""
    n = len(labels)
    inches = (max(5.5, 1.0 * n + 2.0), max(5.0, 0.9 * n + 2.0))
    fig = Figure(figsize=inches, dpi=min(DPI, MAX_PIXELS / max(inches)))
    ax = fig.add_subplot(1, 1, 1)
    image = ax.imshow(matrix, cmap="RdBu_r", vmin=-1.0, vmax=1.0, interpolation="nearest")
    ax.set_xticks(range(n), labels=list(labels), rotation=45, ha="right", fontsize=12)
    ax.set_yticks(range(n), labels=list(labels), fontsize=12)
    size = 13 if n <= 6 else 10
    for i in range(n):
        for j in range(n):
            value = float(matrix[i, j])
            ax.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize=size, color="white" if abs(value) > 0.6 else "black")
    _margins(fig, left=1.0, bottom=1.2, right=0.75)  # the colorbar and its labels sit in the right margin
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    ax.set_title(title, fontsize=15, fontweight="bold", loc="left")
    fig.text(0.01, 0.01, source, fontsize=9, color="#555555", ha="left", va="bottom")
    return _png(fig)
