from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BulletinsConfig(AppConfig):
    name = "observatory.bulletins"
    label = "bulletins"
    verbose_name = _("Monthly bulletins")
