from django.core.management.base import BaseCommand, CommandError

from evaluations.models import Phase
from evaluations.verification import standings_snapshot_verify


class Command(BaseCommand):
    help = (
        "Recompute a phase's standings from the stored inputs and check them against its official snapshot "
        "(inputs hash and table). Without a phase code, every finalized phase."
    )

    def add_arguments(self, parser):
        parser.add_argument("phase", nargs="*", help="phase code(s), e.g. P1; default: every finalized phase")

    def handle(self, *args, **options):
        codes = options["phase"]
        if codes:
            phases = list(Phase.objects.filter(code__in=codes).order_by("program_id", "order"))
            unknown = sorted(set(codes) - {p.code for p in phases})
            if unknown:
                raise CommandError(f"no such phase: {', '.join(unknown)}")
        else:
            phases = list(Phase.objects.filter(status=Phase.Status.FINALIZED).order_by("program_id", "order"))
        failed = []
        for phase in phases:
            check = standings_snapshot_verify(phase=phase)
            if check.snapshot_id is None:
                failed.append(phase.code)
                self.stdout.write(f"{phase.code}: no standings snapshot")
                continue
            kind = "official" if check.is_official else "latest"
            self.stdout.write(
                f"{phase.code}: {kind} snapshot #{check.snapshot_id}: inputs hash "
                f"{'matches' if check.hash_matches else 'DIFFERS'} ({check.recomputed_hash}), table "
                f"{'matches' if check.table_matches else 'DIFFERS'}"
            )
            if not check.ok:
                failed.append(phase.code)
        if failed:
            raise CommandError(f"snapshot does not follow from the stored inputs: {', '.join(failed)}")
        self.stdout.write(f"{len(phases)} phase(s) verified")
