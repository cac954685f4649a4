"""Phone-readable PNG charts: price history with thresholds (matplotlib Agg, no pyplot state) and heatmaps (Pillow)."""

from __future__ import annotations

import functools
import math
import struct
import threading
import zlib
from collections.abc import Sequence
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image, ImageDraw, ImageFont

COLORS = {"warn": "#e69f00", "breach": "#d62728"}
SIZE = (7.0, 4.6)  # inches; at 160 dpi ≈ 1120×736 px, readable on a phone
DPI = 160
PNG_COMPRESSION = 1  # zlib level: 6 (the default) spends tens of ms for a few kB less (Telegram re-encodes the photo anyway)
FONTS = Path(matplotlib.get_data_path()) / "fonts" / "ttf"  # DejaVu Sans, the price charts' font too
HEAT = colormaps["RdBu_r"].with_extremes(bad="#dddddd")  # −1 blue … +1 red; an unknown value grey
GRID_PX = 840  # the heatmap's cells fill about this many pixels a side (the whole image stays under Telegram's 1280)


def png_bytes(pixels: np.ndarray) -> bytes:
    """An 8-bit PNG of an h×w×3 (RGB) or h×w×4 (RGBA) uint8 array: rows unfiltered, fast zlib.

    Pillow's encoder tries all five PNG row filters on every row, which cost more than drawing a
    heatmap; charts of flat colours compress well enough without them. RGBA goes in as it is (matplotlib's
    canvas): dropping the alpha channel would cost a strided copy longer than compressing it.
    """
    height, width, channels = pixels.shape
    rows = np.zeros((height, 1 + channels * width), dtype=np.uint8)  # each row starts with filter type 0 (none)
    rows[:, 1:] = pixels.reshape(height, channels * width)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    colour_type = {3: 2, 4: 6}[channels]  # truecolour, or truecolour with alpha
    header = struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)  # 8 bits per channel, no interlace
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows.data, PNG_COMPRESSION)) + chunk(b"IEND", b"")


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


class PriceFigure:
    """A price chart's figure, axes and styling, built once and redrawn for each request.

    Building the axes and their ticks was a quarter of a chart's time. Each render removes what the
    previous one added (line, last-point marker and label, threshold lines), sets the texts and rescales
    to its own data, so a reused figure draws the same pixels as a new one (tests/test_charts.py checks).
    """

    def __init__(self) -> None:
        self.fig = Figure(figsize=SIZE, dpi=DPI)
        self.ax = ax = self.fig.add_subplot(1, 1, 1)
        ax.tick_params(labelsize=11)
        ax.tick_params(axis="x", labelrotation=30, labelrotation_mode="xtick")  # slanted dates, as autofmt_xdate did, without its extra pass
        ax.grid(True, alpha=0.3)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        _margins(self.fig, left=1.0, bottom=0.85)
        self.source = self.fig.text(0.01, 0.01, "", fontsize=10, color="#555555", ha="left", va="bottom")
        self.canvas = FigureCanvasAgg(self.fig)  # its Agg renderer and pixel buffer are kept too
        self.drawn: list[Artist] = []

    def render(self, values: pd.Series, title: str, unit: str, source: str, thresholds: Sequence[Threshold] = ()) -> bytes:
        """`values` (DatetimeIndex) as a line with its last value marked and the thresholds near it; PNG bytes."""
        ax = self.ax
        for artist in self.drawn:
            artist.remove()
        drawn: list[Artist] = []
        self.drawn = drawn
        drawn += ax.plot(values.index, values.to_numpy(), color="#1f4e79", linewidth=2.0)
        last_date, last = values.index[-1], float(values.iloc[-1])
        drawn.append(ax.scatter([last_date], [last], color="#1f4e79", zorder=3))
        drawn.append(ax.annotate(f"{last:,.4g}", (last_date, last), textcoords="offset points", xytext=(-8, 10), ha="right",
                                 fontsize=13, fontweight="bold"))
        near, _ = visible_thresholds(values, thresholds)
        for signal_id, state, level in near:
            drawn.append(ax.axhline(level, color=COLORS.get(state, "#777777"), linestyle="--", linewidth=1.6))
            drawn.append(ax.text(values.index[0], level, f" {signal_id} {state} {level:,.4g}", color=COLORS.get(state, "#777777"),
                                 fontsize=10, va="bottom"))
        # y given: the title sits just above the axes instead of being placed after measuring every tick label
        ax.set_title(title, fontsize=16, fontweight="bold", loc="left", y=1.0, pad=8)
        ax.set_ylabel(unit, fontsize=12)
        self.source.set_text(source)
        ax.relim()  # the limits of this request's data alone
        ax.autoscale_view()
        self.canvas.draw()
        return png_bytes(np.asarray(self.canvas.buffer_rgba()))


_PRICE_LOCK = threading.Lock()  # one chart at a time on the shared figure (they are CPU-bound under the GIL anyway)


@functools.cache
def _price_figure() -> PriceFigure:
    """The process's price-chart figure, built on first use (called under _PRICE_LOCK)."""
    return PriceFigure()


def render_price_chart(
    values: pd.Series,
    title: str,
    unit: str,
    source: str,
    thresholds: Sequence[Threshold] = (),
) -> bytes:
    """A line chart of `values` (DatetimeIndex) with horizontal warn/breach lines; PNG bytes."""
    with _PRICE_LOCK:
        try:
            return _price_figure().render(values, title, unit, source, thresholds)
        except Exception:
            _price_figure.cache_clear()  # a render that failed half-way leaves no artist behind for the next one
            raise


def _font(px: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    """DejaVu Sans at `px` pixels (loading is ~0.1 ms, so each render has its own: no font shared between threads)."""
    return ImageFont.truetype(str(FONTS / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")), px)


def _slanted(text: str, font: ImageFont.FreeTypeFont) -> Image.Image:
    """`text` as a greyscale mask turned 45°, reading up to the right."""
    _, _, right, bottom = font.getbbox(text)
    tile = Image.new("L", (int(right) + 2, int(bottom) + 2), 0)
    ImageDraw.Draw(tile).text((1, 1), text, font=font, fill=255)
    return tile.rotate(45, expand=True, resample=Image.Resampling.BICUBIC)


def render_heatmap(matrix: np.ndarray, labels: Sequence[str], title: str, source: str) -> bytes:
    """A correlation heatmap (−1 blue … +1 red) with the value in each cell and a colour scale; PNG bytes.

    Drawn with Pillow on a fixed pixel layout: one filled square and one number per cell, the labels,
    the scale and the title, about a tenth of what a matplotlib figure with axes and a colorbar costs.
    """
    n = len(labels)
    values = np.asarray(matrix, dtype="float64")
    cell = min(180, max(64, GRID_PX // n))
    grid = cell * n
    number, label = _font(int(min(28, cell * 0.22))), _font(int(min(26, max(18, cell * 0.21))))
    heading, small = _font(30, bold=True), _font(17)
    slanted = [_slanted(text, label) for text in labels]
    left = int(max(label.getlength(text) for text in labels)) + 28
    top = 80
    bottom = max(s.height for s in slanted) + 44
    scale_x = left + grid + 30  # the colour scale: a 26 px strip right of the grid, its labels after it
    width = max(scale_x + 26 + 8 + int(small.getlength("−1.00")) + 16, left + int(heading.getlength(title)) + 16, int(small.getlength(source)) + 24)
    height = top + grid + bottom

    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    colours = (HEAT((values + 1.0) / 2.0)[..., :3] * 255).round().astype(np.uint8)
    for i in range(n):
        for j in range(n):
            x, y = left + j * cell, top + i * cell
            draw.rectangle((x, y, x + cell - 1, y + cell - 1), fill=tuple(int(c) for c in colours[i, j]))
            value = float(values[i, j])
            draw.text((x + cell / 2, y + cell / 2), f"{value:.2f}", font=number, anchor="mm", fill="white" if abs(value) > 0.6 else "black")
    draw.rectangle((left - 1, top - 1, left + grid, top + grid), outline="black")
    for k, text in enumerate(labels):
        centre = top + (k + 0.5) * cell
        draw.text((left - 12, centre), text, font=label, anchor="rm", fill="black")
        mask = slanted[k]  # its upper right end just below the middle of column k
        image.paste((0, 0, 0), (int(left + (k + 0.5) * cell - mask.width + label.size * 0.6), top + grid + 8), mask)

    strip = (HEAT(np.linspace(1.0, 0.0, grid))[:, :3] * 255).round().astype(np.uint8)
    image.paste(Image.fromarray(np.repeat(strip[:, None, :], 26, axis=1)), (scale_x, top))
    draw.rectangle((scale_x - 1, top - 1, scale_x + 26, top + grid), outline="black")
    for level in (1.0, 0.5, 0.0, -0.5, -1.0):
        tick = top + (1.0 - level) / 2.0 * (grid - 1)
        draw.line((scale_x + 26, tick, scale_x + 32, tick), fill="black")
        draw.text((scale_x + 36, tick), f"{level:.2f}".replace("-", "−"), font=small, anchor="lm", fill="black")
    draw.text((left, top - 18), title, font=heading, anchor="ls", fill="black")
    draw.text((12, height - 10), source, font=small, anchor="ls", fill="#555555")
    return png_bytes(np.asarray(image))
