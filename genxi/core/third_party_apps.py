"""Third-party apps under Chinese names in the administration.

django-axes and django-tasks-db give their apps no translatable name ("Axes", "Tasks Database
Backend"); INSTALLED_APPS names these subclasses instead. Their models' names are translated in
genxi/locale (their msgids, e.g. "access attempts", "Task Results").
"""

from axes.apps import AppConfig as AxesAppConfig
from django.utils.translation import gettext_lazy as _
from django_tasks_db.apps import TasksAppConfig


class AxesConfig(AxesAppConfig):
    verbose_name = _("Log-in lock-out")


class TasksDatabaseConfig(TasksAppConfig):
    verbose_name = _("Background tasks")  # type: ignore[assignment]  # Django takes lazy text
