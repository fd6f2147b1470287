from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TriageConfig(AppConfig):
    name = "genxi.triage"
    verbose_name = _("Triage")

    def ready(self) -> None:
        # Imported here: models can be imported only once the app registry is ready.
        from genxi.demands import advice
        from genxi.triage.advice import TriageAdviser

        advice.register(TriageAdviser())
