from __future__ import annotations

import secrets
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from common.loading import ProgramFileError
from consortia.demo_users import demo_users_create
from portal.program_loader import DEFAULT_PROGRAM_FILE, program_file_load


class Command(BaseCommand):
    help = (
        "Load the K-AI program (consortia, partners, models, phases, benchmarks, budget) from its YAML file. "
        "It creates what is missing and updates descriptive fields; it never changes workflow state or what "
        "users entered, and lists where the file differs from the database instead."
    )

    def add_arguments(self, parser):
        parser.add_argument("--file", type=Path, default=DEFAULT_PROGRAM_FILE, help="program YAML file")
        parser.add_argument(
            "--demo-users",
            action="store_true",
            help=(
                "also create one demo user per role; "
                "their passwords are printed once and never stored in clear"
            ),
        )

    def handle(self, *args, file: Path, demo_users: bool, **options):
        try:
            report = program_file_load(file)
        except ProgramFileError as exc:
            raise CommandError(f"{file.name}: {exc} (nothing was changed)") from None
        self.stdout.write(f"Loaded {file.name} (sha256 {report.sha256}): {report.summary()}")
        if report.differences:
            self.stdout.write(
                f"The file differs from the database in {len(report.differences)} place(s); the database was "
                "kept (the program file never changes workflow state or what users entered):"
            )
            for difference in report.differences:
                self.stdout.write(f"  {difference}")
        self.stdout.write(f"Recorded as audit event #{report.audit_event_id}.")
        if demo_users:
            for username, role, password in demo_users_create(
                password_factory=lambda: secrets.token_urlsafe(12)
            ):
                if password is None:
                    self.stdout.write(f"  {username:<18} {role:<18} exists; password unchanged")
                else:
                    self.stdout.write(f"  {username:<18} {role:<18} password: {password}")
