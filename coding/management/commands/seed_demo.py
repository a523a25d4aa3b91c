from django.conf import settings
from django.core.management.base import BaseCommand

from coding.demo.seed import ensure_demo


class Command(BaseCommand):
    help = "Create the demo project (once) and print fresh passwords for its owner and its coder."

    def handle(self, *args, **options):
        demo = ensure_demo()
        lines = [
            self.style.SUCCESS(f"Demo project “{demo.project.name}” is ready."),
            "Sign in at http://127.0.0.1:8000/ as",
        ]
        for login in demo.logins:
            lines.append(f"  {login.role:<6}  user: {login.username:<6}  password: {login.password}")
        lines.append("The owner also opens the site admin at http://127.0.0.1:8000/admin/.")
        if not settings.EMAIL_URL:
            lines.append(
                "E-mail is not configured (EMAIL_URL): invitations and password resets are printed below, in "
                "this terminal; copy their links from there."
            )
        self.stdout.write("\n".join(lines))
