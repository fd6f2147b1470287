from django.contrib.auth import get_user_model
from django_tasks import task

from genxi.triage.services import train


@task()
def train_model(user_id: int | None = None) -> int:
    """Train a new classifier version (the "train now" button); returns its version."""
    actor = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    return train(actor=actor).version
