from typing import Any

from django.core.management.base import BaseCommand, CommandError

from api.models import ApiToken, Scope
from api.tokens import api_token_create, api_token_revoke
from helpdesk.models import Role, Tenant


class Command(BaseCommand):
    help = "API tokens: create one (prints the secret once), list a tenant's, revoke one by its prefix."

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a token and print its secret")
        create.add_argument("--tenant", required=True, help="tenant slug")
        create.add_argument("--name", required=True)
        create.add_argument("--role", choices=Role.values, default=Role.AGENT)
        create.add_argument("--scope", choices=Scope.values, default=Scope.READ)
        listing = sub.add_parser("list", help="list a tenant's tokens")
        listing.add_argument("--tenant", required=True)
        revoke = sub.add_parser("revoke", help="revoke a token by its prefix")
        revoke.add_argument("prefix")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "revoke":
            token = ApiToken.objects.filter(prefix=options["prefix"]).first()
            if token is None:
                raise CommandError("No such token.")
            api_token_revoke(token=token)
            self.stdout.write(f"revoked {token.prefix}")
            return
        tenant = Tenant.objects.filter(slug=options["tenant"]).first()
        if tenant is None:
            raise CommandError(f"Unknown tenant {options['tenant']!r}.")
        if action == "create":
            issued = api_token_create(
                tenant=tenant, name=options["name"], role=options["role"], scope=options["scope"]
            )
            self.stdout.write(issued.secret)
            return
        for token in ApiToken.objects.for_tenant(tenant).order_by("created_at"):
            state = "revoked" if token.revoked_at else "active"
            self.stdout.write(f"{token.prefix}\t{token.name}\t{token.role}\t{token.scope}\t{state}")
