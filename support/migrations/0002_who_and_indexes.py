"""Our additions to the reference tables: who did what, assignment, escalation -> ticket, indexes.

All columns are nullable, so adopting a populated reference database only adds empty columns.
"""

import django.db.models.deletion
import django.db.models.fields.json
import django.db.models.functions.text
from django.conf import settings
from django.db import migrations, models


def reset_note_ids(apps, schema_editor):
    """An adopted notes table may hold ids its identity sequence never issued (rows copied in
    with explicit ids); move the sequence past them so new notes do not collide."""
    from django.core.management.color import no_style

    connection = schema_editor.connection
    model = apps.get_model("support", "Interaction")
    for statement in connection.ops.sequence_reset_sql(no_style(), [model]):
        schema_editor.execute(statement)


def _text() -> models.CharField:
    return models.CharField(blank=True, null=True)


class Migration(migrations.Migration):
    dependencies = [
        ("support", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField("ticket", "agent_id", _text()),
        migrations.AddField(
            "ticket",
            "assignee",
            models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="support_tickets", to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField("interaction", "agent_id", _text()),
        migrations.AddField(
            "interaction",
            "author",
            models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="support_notes", to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            "escalation",
            "ticket",
            models.ForeignKey(blank=True, db_column="ticket_id", null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="escalations", to="support.ticket"),
        ),
        migrations.AddField("escalation", "agent_id", _text()),
        migrations.AddField("escalation", "user_id", _text()),
        migrations.AddField("escalation", "channel", _text()),
        migrations.AddField("escalation", "app_id", _text()),
        migrations.AddField("change", "channel", _text()),
        migrations.AddField("change", "app_id", _text()),
        migrations.AddField("agentevent", "user_id", _text()),
        migrations.AddField("agentevent", "app_id", _text()),
        migrations.AddIndex(
            "customer",
            models.Index(django.db.models.functions.text.Lower(django.db.models.fields.json.KeyTextTransform("email", "data")), name="customers_email_lower_idx"),
        ),
        migrations.AddIndex("order", models.Index(fields=["customer", "-updated_at"], name="orders_customer_recent_idx")),
        migrations.AddIndex("ticket", models.Index(fields=["status", "-created_at"], name="tickets_status_recent_idx")),
        migrations.AddIndex("ticket", models.Index(fields=["-created_at"], name="tickets_recent_idx")),
        migrations.AddIndex("ticket", models.Index(fields=["customer_email"], name="tickets_customer_email_idx")),
        migrations.AddIndex("ticket", models.Index(fields=["assignee", "status"], name="tickets_assignee_status_idx")),
        migrations.AddIndex("interaction", models.Index(fields=["ticket", "-created_at"], name="interactions_ticket_recent_idx")),
        migrations.AddIndex("escalation", models.Index(fields=["status", "severity"], name="escalations_status_sev_idx")),
        migrations.AddIndex("change", models.Index(fields=["entity_type", "entity_id"], name="changes_entity_idx")),
        migrations.AddIndex("change", models.Index(fields=["-created_at"], name="changes_recent_idx")),
        migrations.AddIndex("agentevent", models.Index(fields=["agent_id"], name="agent_events_agent_idx")),
        migrations.RunPython(reset_note_ids, migrations.RunPython.noop),
    ]
