from pathlib import Path

from django.apps import AppConfig
from django.conf import settings


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "Projects and cases"

    def ready(self) -> None:
        Path(settings.FILE_UPLOAD_TEMP_DIR).mkdir(parents=True, exist_ok=True)
        from cases import access_log  # noqa: F401  registers the receivers that log sign-ins
