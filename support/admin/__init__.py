"""The staff triage UI: one module per screen, all writes through support.services."""

from django.contrib import admin

from support.admin import audit, customers, escalations, tickets  # noqa: F401  (registration)

admin.site.site_header = "Convo AI support"
admin.site.site_title = "Convo AI support"
admin.site.index_title = "Support desk"
