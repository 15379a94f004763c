from django.contrib import admin
from django.urls import path

from convoai import views
from convoai.api import api

urlpatterns = [
    path("", views.index, name="index"),
    path("ping", views.ping, name="ping"),
    path("v1/", api.urls),
    path("admin/", admin.site.urls),
]

handler404 = "convoai.views.not_found"
handler500 = "convoai.views.server_error"
