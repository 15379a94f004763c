"""The two staff roles: "Support agents" work tickets; "Support supervisors" also manage data.

Agents: see everything, work tickets (add, change, notes), acknowledge/resolve escalations.
Supervisors: that, plus edit customers and orders and delete tickets. Nobody edits the audit
data (changes, agent events, notes) in the admin. Re-running is harmless; removing the
migration's groups is left to whoever changed them.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

AGENT_PERMISSIONS = [
    "view_customer", "view_order",
    "view_ticket", "add_ticket", "change_ticket",
    "view_interaction", "add_interaction",
    "view_escalation", "change_escalation",
    "view_change", "view_agentevent",
]
SUPERVISOR_PERMISSIONS = AGENT_PERMISSIONS + [
    "add_customer", "change_customer",
    "add_order", "change_order",
    "delete_ticket",
]
GROUPS = {"Support agents": AGENT_PERMISSIONS, "Support supervisors": SUPERVISOR_PERMISSIONS}


def create_groups(apps, schema_editor):
    # Permissions are normally created after all migrations; make sure they exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0, using=schema_editor.connection.alias)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GROUPS.items():
        group, _ = Group.objects.using(schema_editor.connection.alias).get_or_create(name=name)
        permissions = Permission.objects.using(schema_editor.connection.alias).filter(
            content_type__app_label="support", codename__in=codenames
        )
        group.permissions.add(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("support", "0002_who_and_indexes"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, migrations.RunPython.noop)]
