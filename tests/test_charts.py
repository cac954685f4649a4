"""Charts: phone-sized PNGs, threshold lines drawn in their colours, heatmaps; /chart without a watch list."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
from matplotlib.image import imread
from PIL import Image

from regimebot.handlers.charts import COLORS, HEAT, PriceFigure, png_bytes, render_heatmap, render_price_chart, visible_thresholds


def pixels(png: bytes) -> np.ndarray:
    assert png.startswith(b"\x89PNG")
    return imread(io.BytesIO(png), format="png")


def colour_count(image: np.ndarray, hex_colour: str, tol: float = 0.06) -> int:
    rgb = np.array([int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)])
    return int(np.sum(np.all(np.abs(image[:, :, :3] - rgb) < tol, axis=2)))


def series(n: int = 250) -> pd.Series:
    rng = np.random.default_rng(1)
    return pd.Series(100 + np.cumsum(rng.normal(0, 0.5, n)), index=pd.bdate_range("2025-01-01", periods=n))


def test_price_chart_is_phone_sized_and_draws_thresholds():
    values = series()
    plain = pixels(render_price_chart(values, "DXY · 1y", "index", "demo (SIMULATED)"))
    assert plain.shape[1] >= 1000 and plain.shape[0] >= 600
    level = float(values.median())
    marked = pixels(render_price_chart(values, "DXY · 1y", "index", "demo", [("usd_break", "breach", level)]))
    assert colour_count(plain, COLORS["breach"]) == 0
    assert colour_count(marked, COLORS["breach"]) > 300  # a dashed line across the plot


def test_the_shared_chart_figure_keeps_nothing_from_the_previous_chart():
    values = series()
    other = series(60) * 3 + 50
    marked = render_price_chart(other, "VIX · 90d", "", "csv", [("vix_level", "breach", float(other.median()))])
    assert colour_count(pixels(marked), COLORS["breach"]) > 300
    after = pixels(render_price_chart(values, "DXY · 1y", "index", "demo"))  # other data, unit, limits and no threshold
    assert np.array_equal(after, pixels(PriceFigure().render(values, "DXY · 1y", "index", "demo")))
    assert colour_count(after, COLORS["breach"]) == 0


def test_charts_asked_at_once_from_threads_each_draw_their_own_data():
    from concurrent.futures import ThreadPoolExecutor

    charts = [(series(250) + 10 * k, f"S{k} · 1y", "index", "demo") for k in range(4)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        drawn = list(pool.map(lambda args: render_price_chart(*args), charts * 2))
    for args, png in zip(charts * 2, drawn):
        assert np.array_equal(pixels(png), pixels(PriceFigure().render(*args)))


def test_far_thresholds_are_not_drawn_but_reported():
    values = series()
    near, far = visible_thresholds(values, [("a", "warn", float(values.iloc[-1])), ("b", "breach", 1e6), ("c", "warn", float("nan")), ("d", "warn", "x")])
    assert [t[0] for t in near] == ["a"] and [t[0] for t in far] == ["b"]


def test_heatmap_colours_follow_the_sign():
    matrix = np.array([[1.0, -0.9], [-0.9, 1.0]])
    image = pixels(render_heatmap(matrix, ["TLT", "SPX"], "1y", "demo"))
    red = np.sum((image[:, :, 0] > 0.35) & (image[:, :, 2] < 0.2) & (image[:, :, 1] < 0.1))
    blue = np.sum((image[:, :, 2] > 0.35) & (image[:, :, 0] < 0.2) & (image[:, :, 1] < 0.3))
    assert red > 1000 and blue > 1000


def test_heatmap_cells_take_the_colour_scales_colour_for_their_value():
    matrix = np.array([[1.0, 0.35, -0.55], [0.35, 1.0, 0.05], [-0.55, 0.05, 1.0]])
    image = np.asarray(Image.open(io.BytesIO(render_heatmap(matrix, ["TLT", "SPX", "GOLD"], "1y", "demo"))).convert("RGB"))
    for value in (0.35, -0.55, 0.05):
        rgb = np.round(np.array(HEAT((value + 1) / 2)[:3]) * 255).astype(np.uint8)
        assert np.sum(np.all(image == rgb, axis=2)) > 2 * 100 * 100  # two cells of at least 100 px a side, less their number


def test_png_encoder_round_trips_through_an_independent_decoder():
    rng = np.random.default_rng(3)
    for channels, mode in ((3, "RGB"), (4, "RGBA")):
        pixels = rng.integers(0, 256, size=(37, 53, channels), dtype=np.uint8)
        decoded = Image.open(io.BytesIO(png_bytes(pixels)))
        assert decoded.mode == mode and decoded.size == (53, 37)
        assert np.array_equal(np.asarray(decoded), pixels)


def test_chart_without_a_watch_list():
    from regimebot.macro.watchlist import RegimeSpec, Watchlist
    from tests.chat_world import services_over
    from tests.test_scenario_handlers import MARKET, FakeMarketData, ask

    empty = Watchlist(signals={}, theses={}, regime=RegimeSpec(lines=(), verdicts=(), require=()))
    services = services_over(market_data=FakeMarketData(MARKET), watchlist=empty)
    reply = ask(services, "/chart US10Y 90d")
    assert reply.image.startswith(b"\x89PNG") and "Watch-list levels" not in reply.text
    assert "US10Y" in reply.text and "SIMULATED" in reply.text


def test_chart_draws_the_bundled_watch_lists_levels():
    from regimebot.macro.market import Market, make_closes
    from regimebot.macro.watchlist import load_watchlist
    from tests.chat_world import services_over
    from tests.test_scenario_handlers import CATALOG, FakeMarketData, ask

    days = pd.bdate_range(end="2026-03-02", periods=300)
    vix = pd.Series(np.linspace(14, 38, 300), index=days)  # crosses both VIX levels
    market = Market(make_closes({"VIX": vix}, CATALOG), "test", simulated=True)
    services = services_over(market_data=FakeMarketData(market), watchlist=load_watchlist(None, CATALOG))
    expected = services.watchlist.thresholds_for("VIX")
    assert expected  # the bundled watch list has VIX levels
    reply = ask(services, "/chart VIX 1y")
    for signal_id, state, level in expected:
        assert f"{signal_id} {state} {level:,.4g}" in reply.text
    image = pixels(reply.image)
    assert colour_count(image, COLORS["warn"]) > 300 and colour_count(image, COLORS["breach"]) > 300
