from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HomeConfig(AppConfig):
    """The pages above every app: the home page with each role's work lists, the menu and the
    settings (the working-day calendar)."""

    name = "genxi.home"
    label = "home"
    verbose_name = _("Home")
