from django.contrib import admin
from django.urls import include, path

from genxi.api import open311
from genxi.api.main import api

urlpatterns = [
    path("", include("genxi.core.urls")),
    path("", include("genxi.places.urls")),
    path("", include("genxi.demands.urls")),
    path("", include("genxi.triage.urls")),
    path("", include("genxi.projects.urls")),
    path("", include("genxi.meetings.urls")),
    path("", include("genxi.api.urls")),
    path("accounts/", include("genxi.accounts.urls")),
    path("api/v1/", api.urls),
    path("open311/v2/", include((open311.urlpatterns, "open311"))),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
