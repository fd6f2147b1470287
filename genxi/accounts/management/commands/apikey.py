from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from genxi.accounts.models import ApiToken, User
from genxi.accounts.services import create_api_token, revoke_api_token


class Command(BaseCommand):
    help = "Personal API tokens: create one for a user (printed once), list or revoke them."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="print a new token for --user")
        create.add_argument("--user", required=True, help="username")
        create.add_argument("--name", default="command line", help="what will use it")
        listing = sub.add_parser("list", help="a user's tokens (never the tokens themselves)")
        listing.add_argument("--user", required=True)
        revoke = sub.add_parser("revoke", help="revoke a user's token by the start it shows")
        revoke.add_argument("--user", required=True)
        revoke.add_argument("--prefix", required=True, help="e.g. gx_Ab3dE9f")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"No user is called {options['user']!r}.")
        if options["action"] == "create":
            _api_token, token = create_api_token(actor=None, user=user, name=options["name"])
            self.stdout.write(token)
        elif options["action"] == "list":
            for t in user.api_tokens.all():
                state = "revoked" if t.revoked_at else "active"
                self.stdout.write(f"{t.prefix}…\t{state}\t{t.created_at:%Y-%m-%d}\t{t.name}")
        else:
            found = list(ApiToken.objects.filter(user=user, prefix=options["prefix"]))
            if len(found) != 1:
                raise CommandError("No single token of that user begins so.")
            revoke_api_token(actor=None, api_token=found[0])
            self.stdout.write(f"revoked {found[0]}")
