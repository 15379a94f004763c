from django.apps import AppConfig


class ConvoaiConfig(AppConfig):
    name = "convoai"
    verbose_name = "Convo AI service"

    def ready(self) -> None:
        from convoai import checks, signals  # noqa: F401  (registers checks and receivers)
