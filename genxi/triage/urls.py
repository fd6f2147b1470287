from django.urls import path

from genxi.triage import views

app_name = "triage"
urlpatterns = [
    path("triage/", views.index, name="index"),
    path("triage/train/", views.train_now, name="train"),
    path("triage/suggest/", views.suggest, name="suggest"),
    path("triage/topics/", views.topics, name="topics"),
    path("triage/join/<int:pk>/", views.join, name="join"),
]
