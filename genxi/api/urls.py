from django.urls import path

from genxi.api import views

app_name = "open311_inbox"
urlpatterns = [
    path("demands/unplaced/", views.unplaced_list, name="list"),
    path("demands/unplaced/<int:pk>/place/", views.unplaced_place, name="place"),
]
