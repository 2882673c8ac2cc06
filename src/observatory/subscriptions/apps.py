from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubscriptionsConfig(AppConfig):
    name = "observatory.subscriptions"
    label = "subscriptions"
    verbose_name = _("Subscriptions")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from observatory.accounts.models import AuditEntry
        from observatory.releases.services import released
        from observatory.subscriptions import services

        # After `observatory release` (and make demo's load-demo) stores its releases.
        released.connect(services.after_release, dispatch_uid="subscriptions-digests")
        # A moderation action on a report (publish, reject, merge, a service's action) is audited:
        # the audit entry is what tells a registered reporter who asked to be told.
        post_save.connect(services.after_audit, sender=AuditEntry, dispatch_uid="subscriptions-notices")
