from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardsConfig(AppConfig):
    name = "genxi.dashboards"
    verbose_name = _("Dashboards")

    def ready(self) -> None:
        from genxi.dashboards import panels  # noqa: F401  registers every app's panel
