"""The seven tables exactly as the reference deployment defined them (contract §8).

Each is created only when missing (`CreateModelIfMissing`), so an existing Supabase database is
adopted in place; our own columns and indexes come in 0002. Ticket and interaction table names
follow SUPPORT_TICKETS_TABLE / SUPPORT_INTERACTIONS_TABLE.
"""

import uuid

import django.db.models.deletion
import django.db.models.functions.datetime
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

import support.models
from support.db.operations import CreateModelIfMissing


def _timestamp() -> models.DateTimeField:
    return models.DateTimeField(
        blank=True, db_default=django.db.models.functions.datetime.Now(), default=django.utils.timezone.now, null=True
    )


PRIORITIES = [("low", "Low"), ("normal", "Normal"), ("high", "High"), ("urgent", "Urgent")]
STATUSES = [
    ("open", "Open"),
    ("pending", "Pending (waiting on customer)"),
    ("escalated", "Escalated"),
    ("resolved", "Resolved"),
    ("closed", "Closed"),
]
SEVERITIES = [("low", "Low"), ("medium", "Medium"), ("high", "High"), ("critical", "Critical")]


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        CreateModelIfMissing(
            name="Customer",
            fields=[
                ("id", models.CharField(help_text="Customer id (the reference used lower-case first names).", primary_key=True, serialize=False)),
                ("data", models.JSONField(blank=True, default=dict)),
                ("updated_at", _timestamp()),
            ],
            options={"db_table": "customers", "ordering": ("id",)},
        ),
        CreateModelIfMissing(
            name="Order",
            fields=[
                ("id", models.CharField(primary_key=True, serialize=False)),
                ("customer", models.ForeignKey(blank=True, db_column="customer_id", null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="orders", to="support.customer")),
                ("data", models.JSONField(blank=True, default=dict)),
                ("updated_at", _timestamp()),
            ],
            options={"db_table": "orders", "ordering": ("-updated_at",)},
        ),
        CreateModelIfMissing(
            name="Ticket",
            fields=[
                ("id", models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ("subject", models.CharField()),
                ("description", models.TextField(blank=True, default="")),
                ("customer_email", models.CharField(blank=True, null=True)),
                ("customer", models.ForeignKey(blank=True, db_column="customer_id", null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="tickets", to="support.customer")),
                ("priority", models.CharField(choices=PRIORITIES, default="normal", null=True)),
                ("status", models.CharField(choices=STATUSES, default="open", null=True)),
                ("channel", models.CharField(blank=True, null=True)),
                ("user_id", models.CharField(blank=True, null=True)),
                ("app_id", models.CharField(blank=True, null=True)),
                ("order_id", models.CharField(blank=True, null=True)),
                ("created_at", _timestamp()),
                ("updated_at", _timestamp()),
                ("updated_by", models.CharField(blank=True, null=True)),
                ("updated_channel", models.CharField(blank=True, null=True)),
                ("metadata", models.JSONField(blank=True, default=dict, null=True)),
            ],
            options={"db_table": settings.SUPPORT_TICKETS_TABLE, "ordering": ("-created_at",)},
        ),
        CreateModelIfMissing(
            name="Interaction",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("ticket", models.ForeignKey(blank=True, db_column="ticket_id", null=True, on_delete=django.db.models.deletion.CASCADE, related_name="interactions", to="support.ticket")),
                ("note", models.TextField()),
                ("sentiment", models.CharField(blank=True, null=True)),
                ("channel", models.CharField(blank=True, null=True)),
                ("user_id", models.CharField(blank=True, null=True)),
                ("app_id", models.CharField(blank=True, null=True)),
                ("created_at", _timestamp()),
            ],
            options={"db_table": settings.SUPPORT_INTERACTIONS_TABLE, "ordering": ("-created_at", "-id")},
        ),
        CreateModelIfMissing(
            name="Escalation",
            fields=[
                ("escalation_id", models.CharField(default=support.models._new_text_id, editable=False, primary_key=True, serialize=False)),
                ("customer", models.ForeignKey(blank=True, db_column="customer_id", null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="escalations", to="support.customer")),
                ("status", models.CharField(choices=[("open", "Open"), ("acknowledged", "Acknowledged"), ("resolved", "Resolved")], default="open")),
                ("severity", models.CharField(blank=True, choices=SEVERITIES, default="medium", null=True)),
                ("email_sent", models.BooleanField(default=False, null=True)),
                ("email_result", models.JSONField(blank=True, null=True)),
                ("data", models.JSONField(blank=True, default=dict, null=True)),
                ("created_at", _timestamp()),
                ("resolved_at", models.DateTimeField(blank=True, null=True)),
            ],
            options={"db_table": "escalations", "ordering": ("-created_at",)},
        ),
        CreateModelIfMissing(
            name="Change",
            fields=[
                ("change_id", models.CharField(default=support.models._new_text_id, editable=False, primary_key=True, serialize=False)),
                ("entity_type", models.CharField()),
                ("entity_id", models.CharField()),
                ("status", models.CharField()),
                ("made_by", models.CharField(blank=True, null=True)),
                ("agent_id", models.CharField(blank=True, null=True)),
                ("reason", models.TextField(blank=True, null=True)),
                ("data", models.JSONField(blank=True, null=True)),
                ("created_at", _timestamp()),
                ("applied_at", models.DateTimeField(blank=True, null=True)),
                ("rolled_back_at", models.DateTimeField(blank=True, null=True)),
                ("rollback_reason", models.TextField(blank=True, null=True)),
            ],
            options={"db_table": "changes", "ordering": ("-created_at",)},
        ),
        CreateModelIfMissing(
            name="AgentEvent",
            fields=[
                ("event_id", models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ("customer", models.ForeignKey(blank=True, db_column="customer_id", null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="agent_events", to="support.customer")),
                ("agent_id", models.CharField(blank=True, null=True)),
                ("channel_name", models.CharField(blank=True, null=True)),
                ("intent", models.CharField(blank=True, null=True)),
                ("sentiment_label", models.CharField(blank=True, null=True)),
                ("sentiment_score", models.FloatField(blank=True, null=True)),
                ("urgency", models.CharField(blank=True, null=True)),
                ("tasks", models.JSONField(blank=True, null=True)),
                ("payload", models.JSONField(blank=True, null=True)),
                ("created_at", _timestamp()),
            ],
            options={"db_table": "agent_events", "ordering": ("-created_at",)},
        ),
    ]
