"""The demo's pioneers' work (loaded by `genxi demo`, idempotent: each record is found by its
stable names):

- appointments: 富元雅苑党支部's 海棠先锋 appointed at the ceremony, with the duties template
  and the assessment rules, a grid and a certificate; the history of the other appointments;
- visits: a month of visits by the demo pioneer 周建昌 and others, from their visit plans;
- assessment: the street's scheme, the communities' ratings, residents' stars, the ranking;
- points: items that earn points, rewards in stock, some earned and spent.

Dates are relative to the day the demo is loaded. Each part is its own function below.
"""

from datetime import date


def load(today: date) -> int:
    """Load every part; returns how many records were created."""
    return _appointments(today) + _visits(today) + _assessment(today) + _points(today)


# -- Appointments (helper A) -------------------------------------------------------------------


def _appointments(today: date) -> int:
    return 0


# -- Visits (helper B) -------------------------------------------------------------------------


def _visits(today: date) -> int:
    return 0


# -- Assessment (helper C) ---------------------------------------------------------------------


def _assessment(today: date) -> int:
    return 0


# -- Points (helper D) -------------------------------------------------------------------------


def _points(today: date) -> int:
    return 0
