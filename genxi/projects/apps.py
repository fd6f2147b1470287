from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "genxi.projects"
    verbose_name = _("Service projects and votes")
