"""`manage.py create_staff_user`: a ministry staff account from the command line, e.g. the first one after
`docker compose up` (README), when nobody can sign in yet to create it on the Users page."""

from __future__ import annotations

import getpass
import secrets

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, no_translations
from django.db import transaction
from django.db.models import Q

from common.roles import Role
from common.services import system_actor_get
from consortia.accounts.services import user_create
from consortia.models import Organization

DEFAULT_ORGANIZATION = "Ministry of Science and ICT"
# How the service's fields are spelled on this command line, so a refusal names the option to fix.
OPTION_OF_FIELD = {
    "username": "username",
    "email": "--email",
    "first_name": "--first-name",
    "last_name": "--last-name",
    "title": "--title",
    "organization": "--organization",
    "password": "password",
}


class Command(BaseCommand):
    help = (
        "Create a ministry staff account (the first one after `docker compose up`, or another one) through "
        "the same service as the Users page, so it is checked and audited alike (as done by the non-login "
        "user 'system'). The password is generated and printed once, or asked for with --ask-password."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--email", required=True, help="where password resets are sent")
        parser.add_argument(
            "--first-name", required=True, help="given name (pages show names, not usernames)"
        )
        parser.add_argument("--last-name", required=True, help="family name")
        parser.add_argument(
            "--organization",
            default=DEFAULT_ORGANIZATION,
            help=f"English or Korean name of the person's organization (default: {DEFAULT_ORGANIZATION}; "
            "it comes with the program file, so run load_kai_program first)",
        )
        parser.add_argument("--title", default="", help="job title (optional)")
        parser.add_argument(
            "--ask-password",
            action="store_true",
            help="type the password (twice) instead of having one generated and printed",
        )

    # The refusals come from the service in English, as the rest of this output (not the server's Korean).
    @no_translations
    def handle(
        self, *args, username, email, first_name, last_name, organization, title, ask_password, **options
    ):
        found = Organization.objects.filter(Q(name_en=organization) | Q(name_ko=organization)).first()
        if found is None:
            raise CommandError(
                f"--organization: no organization is named {organization!r}. Load the program file first "
                "(python manage.py load_kai_program) or name an organization it holds."
            )
        password = self._ask_password() if ask_password else secrets.token_urlsafe(12)
        try:
            with transaction.atomic():
                user = user_create(
                    username=username,
                    email=email,
                    first_name=first_name,
                    last_name=last_name,
                    role=Role.MINISTRY_STAFF,
                    organization=found,
                    title=title,
                    password=password,
                    actor=system_actor_get(),
                )
        except ValidationError as error:
            problems = "".join(
                f"\n  {OPTION_OF_FIELD.get(field, field)}: {' '.join(messages)}"
                for field, messages in error.message_dict.items()
            )
            raise CommandError(f"Nothing was created:{problems}") from None
        self.stdout.write(f"Created the ministry staff user {user.get_username()!r} ({found.name_en}).")
        if not ask_password:
            self.stdout.write(f"Password (shown only now): {password}")
        self.stdout.write("Sign in at /login/; change the password under 비밀번호 변경 / Change password.")

    def _ask_password(self) -> str:
        try:
            password = getpass.getpass("Password: ")
            again = getpass.getpass("Password (again): ")
        except EOFError:
            raise CommandError(
                "--ask-password reads the password from a terminal; none is attached."
            ) from None
        if password != again:
            raise CommandError("password: the two entries differ; nothing was created.")
        return password
