from typing import Any

from django.core.management.base import BaseCommand

from tickets.demo import DEMO_PASSWORD, demo_logins, seed_demo


class Command(BaseCommand):
    help = "Create the five demo tenants (idempotent) and print their logins."

    def handle(self, *args: Any, **options: Any) -> None:
        for tenant, created in seed_demo():
            state = "created" if created else "present"
            self.stdout.write(f"{tenant.slug:<12} {state:<8} /t/{tenant.slug}/")
        self.stdout.write(f"\nLogins (password: {DEMO_PASSWORD}):")
        for email, what in demo_logins():
            self.stdout.write(f"  {email:<36} {what}")
