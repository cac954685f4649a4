"""Scenario math: bond ETF repricing, leveraged funds, margin, portfolio shocks, asymmetric bets."""

from __future__ import annotations


class ScenarioError(ValueError):
    """A scenario cannot be computed from these inputs; the message names the input and the fix."""
