from django.apps import AppConfig


class CodingConfig(AppConfig):
    name = "coding"

    def ready(self) -> None:
        from coding import frozen  # noqa: F401  registers the receiver that freezes coded transcripts' text
