"""The table of demand steps: each step's statuses, derived from the lifecycle map, are those
the steps always had."""

from genxi.demands import actions
from genxi.demands.models import OPEN_STATUSES, Status

UNRESOLVED = {
    Status.COLLECTED,
    Status.ACCEPTED,
    Status.VERIFIED,
    Status.ASSIGNED,
    Status.IN_PROGRESS,
}

# Written out as they were before the table derived them from TRANSITIONS.
STATUSES = {
    "accept": {Status.COLLECTED},
    "refer": {Status.COLLECTED, Status.ACCEPTED},
    "verify": {Status.ACCEPTED},
    "assign": {Status.VERIFIED},
    "start": {Status.ASSIGNED},
    "send_back": {Status.ASSIGNED, Status.IN_PROGRESS},
    "update": {Status.ASSIGNED, Status.IN_PROGRESS},
    "resolve": {Status.IN_PROGRESS},
    "callback": {Status.RESOLVED},
    "unreachable": {Status.RESOLVED},
    "close": {Status.RESOLVED, Status.CALLED_BACK},
    "add_reporters": UNRESOLVED,
    "merge": {Status.COLLECTED, Status.ACCEPTED, Status.VERIFIED},
    "extend": {Status.ASSIGNED, Status.IN_PROGRESS},
    "decide_extension": {Status.ASSIGNED, Status.IN_PROGRESS},
    "correct": set(OPEN_STATUSES),
    "withdraw": UNRESOLVED,
}


def test_each_steps_statuses_are_those_it_always_had() -> None:
    assert {name: set(a.statuses) for name, a in actions.ACTIONS.items()} == STATUSES


def test_each_step_names_a_service_and_photos_come_as_form_data() -> None:
    for action in actions.ACTIONS.values():
        assert callable(getattr(actions.services, action.service)), action.name
    # Photos come along with the on-site check and the resolution: form data, not JSON.
    assert {a.name for a in actions.ACTIONS.values() if a.multipart} == {"verify", "resolve"}
