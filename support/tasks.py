"""Background tasks (django-tasks, database backend): the only module that knows the task runner.

Tasks stay thin and call a service; `manage.py db_worker` runs them (docs/email.md).
"""

from __future__ import annotations

from typing import Any

from django_tasks import task

__all__ = ["email_deliver"]


@task()
def email_deliver(email_id: int) -> dict[str, Any]:
    """One delivery attempt of an escalation email; the service records it and schedules retries."""
    from support.emails import email_send

    return email_send(email_id=email_id)
