from django.core.management.base import BaseCommand

from coding.demo.seed import ensure_demo


class Command(BaseCommand):
    help = "Create the demo project (once) and print a fresh password for the demo user."

    def handle(self, *args, **options):
        login = ensure_demo()
        self.stdout.write(
            self.style.SUCCESS(f"Demo project “{login.project.name}” is ready.\n")
            + f"Log in at http://127.0.0.1:8000/ as  user: {login.username}   password: {login.password}"
        )
