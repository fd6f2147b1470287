from django_tasks import task

from genxi.core.notify import Outbound, backend


@task()
def send_outbound(phones: list[str], text: str) -> int:
    """Send one text to several numbers through the configured backend."""
    backend().send([Outbound(phone=phone, text=text) for phone in phones])
    return len(phones)
