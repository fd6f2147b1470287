"""The activities of the demo world (filled in by the activities issue's demo work)."""


def load() -> None:
    return None
