from django.conf import settings
from django.contrib import admin
from django.http import FileResponse, HttpRequest
from django.urls import include, path
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from genxi.api import open311
from genxi.api.main import api


@require_safe
@cache_control(max_age=60 * 60 * 24 * 7, public=True)
def favicon(request: HttpRequest) -> FileResponse:
    """Browsers ask for /favicon.ico whatever the page links: answer it from the static files."""
    path = settings.BASE_DIR / "static" / "genxi" / "favicon.ico"
    return FileResponse(path.open("rb"), content_type="image/x-icon")


urlpatterns = [
    path("favicon.ico", favicon, name="favicon"),
    path("", include("genxi.home.urls")),
    path("", include("genxi.core.urls")),
    path("", include("genxi.places.urls")),
    path("", include("genxi.demands.urls")),
    path("", include("genxi.triage.urls")),
    path("", include("genxi.projects.urls")),
    path("", include("genxi.meetings.urls")),
    path("", include("genxi.activities.urls")),
    path("", include("genxi.cobuilding.urls")),
    path("", include("genxi.pioneers.urls")),
    path("", include("genxi.inspections.urls")),
    path("", include("genxi.api.urls")),
    path("", include("genxi.dashboards.urls")),
    path("accounts/", include("genxi.accounts.urls")),
    path("api/v1/", api.urls),
    path("open311/v2/", include((open311.urlpatterns, "open311"))),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
