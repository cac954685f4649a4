"""Issue 13: every scenario and correlation answer in Traditional Chinese has no untranslated English sentence,
the article is named (never "seed 002"), and `regimebot chat --lang zh-TW` wins over a stored language."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from regimebot.storage.store import Store
from tests.test_scenario_handlers import ask, services  # noqa: F401  (fixture)

REPO = Path(__file__).resolve().parents[1]
TAG = re.compile(r"<[^>]+>")
WORD = r"[A-Za-z]*[a-z][A-Za-z]*"  # a word with a lower-case letter (tickers such as SPX are names)
ENGLISH_RUN = re.compile(rf"{WORD}(?:[ ,'’-]+{WORD}){{2,}}")  # three English words in a row
# Names, not sentences: the article's author, and the data source's own label (the test market's is English).
PROPER_NAMES = ("Common Sense Investor", "generated test data")
KEYWORDS = re.compile(r"\b(margin|shock|bet)\b")  # words of the command grammar, typed as they are in every language

ANSWERS = [
    "/scenario TLT", "/scenario TLT -100bp", "/scenario TLT -100bp dur=20", "/scenario TLT dur=15.5 yield=4.5%",
    "/scenario TLT -600bp +300bp", "/scenario IEF -50bp horizon=6m", "/scenario TLT -100bp cvx=300", "/scenario TLT dur=0.75",
    "/scenario TMF -100bp paths=200", "/scenario TMF -400bp +100bp vol=150 paths=200 over=6m",
    "/scenario margin lev=2", "/scenario margin lev=2 mm=25% fall=10%", "/scenario margin lev=5 mm=25% fall=10%",
    "/scenario margin lev=4 mm=25%", "/scenario margin lev=100 mm=25%", "/scenario margin lev=1 fall=100%",
    "/scenario margin lev=2 fall=60%", "/scenario margin lev=1 fall=20%",
    "/scenario bet p=30% up=35% down=-10%", "/scenario bet p=60% up=100% down=-100%", "/scenario bet p=10% up=35% down=-10%",
    "/scenario bet p=100% up=35% down=-10%", "/scenario bet p=0% up=35% down=-10%",
    "/scenario shock DXY=-5% US10Y=-100bp", "/corr TLT SPX GOLD DXY", "/corr TLT US10Y SPX", "/corr",
    # refusals and bad input
    "/scenario margin lev=2 mm=0.25", "/scenario bet p=0.3 up=0.35 down=-0.1", "/scenario TLT yield=0.046",
    "/scenario TMF -100bp over=10y paths=20000", "/scenario TLT -abc", "/scenario nosuch", "/scenario margin",
    "/scenario TLT dur=99", "/scenario shock DXY=-5bp", "/corr TLT NOSUCH", "/corr TLT", "/scenario",
]


def english_sentences(text: str) -> list[str]:
    plain = TAG.sub("", text)
    lines = [line for line in plain.splitlines() if not line.lstrip().startswith("/")]  # usage lines are commands
    found = []
    for line in lines:
        for name in PROPER_NAMES:
            line = line.replace(name, "")
        line = KEYWORDS.sub("", line)
        found += ENGLISH_RUN.findall(line)
    return found


def test_every_answer_in_zh_tw_has_no_untranslated_english_sentence(services):  # noqa: F811
    ask(services, "/portfolio set SPX 50 SPHB 30 GOLD 20", lang="zh-TW")
    seen_in_english = 0
    for line in ANSWERS:
        text = ask(services, line, lang="zh-TW").text
        assert english_sentences(text) == [], (line, english_sentences(text), text)
        assert "種子文章" not in text and "Seed" not in text and "seed 002" not in text.lower()
        seen_in_english += bool(english_sentences(ask(services, line).text))
    assert seen_in_english >= len(ANSWERS) - 4  # the same check does see the English answers


def test_the_article_is_named_by_title_and_date_in_both_languages(services):  # noqa: F811
    zh = ask(services, "/scenario TLT -100bp", lang="zh-TW").text
    assert "文章〈史上最擁擠的空頭，正在為美債牛市鋪路〉（Common Sense Investor，PANews，2025 年底）" in zh
    en = ask(services, "/scenario TLT -100bp").text
    assert ("The article “The most crowded short in history is paving the way for a Treasury bull market” "
            "(Common Sense Investor, PANews, late 2025)") in en


def _chat(tmp_path: Path, *flags: str) -> str:
    env = {**os.environ, "REGIMEBOT_DB": str(tmp_path / "chat.db"), "REGIMEBOT_DATA": "demo", "TELEGRAM_BOT_TOKEN": ""}
    env.pop("REGIMEBOT_CONFIG", None)
    env.pop("REGIMEBOT_LANGUAGE", None)
    done = subprocess.run([sys.executable, "-m", "regimebot.bot.cli", "chat", *flags, "--output", str(tmp_path / "img")],
                          cwd=REPO, input="/scenario margin lev=2 mm=25%\nquit\n", capture_output=True, text=True, env=env,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_chat_lang_flag_wins_over_the_stored_language_for_that_session(tmp_path):
    from regimebot.bot.console.chat import CONSOLE_CHAT_ID

    store = Store.open(tmp_path / "chat.db")
    store.chats.ensure_chat(CONSOLE_CHAT_ID, "private", title="console", language="en", timezone="UTC")
    store.close()
    flagged = _chat(tmp_path, "--lang", "zh-TW")
    assert "槓桿 2 倍，維持保證金 25%" in flagged
    plain = _chat(tmp_path)  # the flag lasted one session: the stored language is unchanged
    assert "Leverage 2x, maintenance margin 25%" in plain
