"""Triage plugs its advice into demand intake (genxi.demands.advice); demands do not import it."""

from genxi.demands import advice
from genxi.triage.advice import TriageAdviser


def test_triage_is_the_adviser_of_intake_and_assignment() -> None:
    assert isinstance(advice.adviser(), TriageAdviser)
