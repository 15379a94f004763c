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

# `make run` serves with daphne, which does not serve static files: the admin's CSS/JS come
# from here while DEBUG is on (staticfiles_urlpatterns is empty otherwise).
from django.contrib.staticfiles.urls import staticfiles_urlpatterns  # noqa: E402

urlpatterns += staticfiles_urlpatterns()
