from django.conf import settings
from django.utils.translation import gettext as _


def pioneer_label() -> str:
    """The word for pioneers is a setting (海棠先锋, 红色管家, …); the default is translated."""
    return settings.GENXI_PIONEER_LABEL or _("Pioneer")
