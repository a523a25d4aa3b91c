from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "Projects and cases"

    def ready(self) -> None:
        from cases import access_log  # noqa: F401  registers the receivers that log sign-ins
