from django.apps import AppConfig


class RagConfig(AppConfig):
    name = "rag"
    verbose_name = "Knowledge base"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from rag import checks, signals  # noqa: F401  (registers the checks, connects the receivers)

        # Import the embedded store (bm25s, numpy, PyStemmer) now, at start-up, so the first
        # call's retrieval does not spend its latency budget on imports.
        import rag.stores.local  # noqa: F401
