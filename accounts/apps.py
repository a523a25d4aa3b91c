from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from accounts.sessions import mark_seen

        user_logged_in.connect(mark_seen, dispatch_uid="accounts.mark_seen")
