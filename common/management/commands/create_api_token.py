from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from common.services import api_token_create


class Command(BaseCommand):
    help = "Create an API token for a user and print its key once (only a hash is stored)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", required=True, help="what the token is for, e.g. 'audit export script'")

    def handle(self, *args, username: str, name: str, **options):
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"no active user named {username!r}")
        token, raw_key = api_token_create(user=user, name=name)
        self.stdout.write(f"token {token.prefix}… for {username} ({name}); key, shown only now:")
        self.stdout.write(raw_key)
