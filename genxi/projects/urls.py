from django.urls import path

from genxi.projects import views

app_name = "projects"
urlpatterns = [
    path("votes/", views.vote_list, name="vote_list"),
    path("votes/<int:pk>/", views.vote_detail, name="vote_detail"),
    path("votes/<int:pk>/ballot/", views.cast, name="cast"),
    path("votes/<int:pk>/receipt/", views.check, name="check"),
]
