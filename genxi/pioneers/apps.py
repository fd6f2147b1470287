from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PioneersConfig(AppConfig):
    name = "genxi.pioneers"
    label = "pioneers"
    verbose_name = _("Pioneers' work")
