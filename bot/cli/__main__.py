"""`python -m regimebot.bot.cli`: the same as the `regimebot` console script."""

import sys

from regimebot.bot.cli import main

sys.exit(main())
