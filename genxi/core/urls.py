from django.urls import path

from genxi.core import views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("settings/", views.settings_index, name="settings"),
    path("inbox/", views.inbox, name="inbox"),
    path("calendar/", views.calendar_index, name="calendar"),
    path("calendar/<int:year>/", views.calendar_year, name="calendar_year"),
]
