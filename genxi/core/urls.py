from django.urls import path

from genxi.core import views

app_name = "core"
urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
]
