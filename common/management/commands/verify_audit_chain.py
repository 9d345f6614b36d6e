from django.core.management.base import BaseCommand, CommandError

from common.audit import audit_chain_verify


class Command(BaseCommand):
    help = "Check the audit trail's hash chain and report the first broken link, if any."

    def handle(self, *args, **options):
        checked, broken, reason = audit_chain_verify()
        if broken is not None:
            raise CommandError(
                f"audit chain broken at event #{broken.pk} "
                f"({broken.action} {broken.object_type}:{broken.object_id}, "
                f"{broken.occurred_at.isoformat()}): {reason}; {checked} events before it verified"
            )
        self.stdout.write(f"audit chain intact: {checked} events verified")
