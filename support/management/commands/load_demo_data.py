from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from support.demo import demo_data_load


class Command(BaseCommand):
    help = "Load the demo customers, orders and tickets (idempotent: existing rows are kept as they are)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(str(demo_data_load()))
