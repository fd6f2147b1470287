"""The demo's peer inspections (loaded by `genxi demo`, idempotent: found by title):

- the 元和 round (走看学做比党建): 娄北, 众泾, 晨曦馨苑 and 依云水岸 in four groups of two, a
  closed loop, its checklist, the scores and findings with photos, the problem lists sent;
- the rectifications: plans and results, one fixed on the spot and one by its deadline, the
  re-check, and the good practices found.

Dates are relative to the day the demo is loaded. Each part is its own function below.
"""

from datetime import date


def load(today: date) -> int:
    """Load every part; returns how many records were created."""
    return _round(today) + _rectification(today)


# -- The round, its pairings and what was found on site (helper E) -----------------------------


def _round(today: date) -> int:
    return 0


# -- Rectification, re-check and good practices (helper F) -------------------------------------


def _rectification(today: date) -> int:
    return 0
