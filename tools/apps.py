from importlib import import_module

from django.apps import AppConfig

# Modules whose import registers tools with tools.registry.
TOOL_MODULES: tuple[str, ...] = (
    "tools.customers",
    "tools.tickets",
    "tools.escalation",
    "tools.audit",
    "tools.caller_messages",
)


class ToolsConfig(AppConfig):
    name = "tools"
    verbose_name = "Agent tools"

    def ready(self) -> None:
        for module in TOOL_MODULES:
            import_module(module)
