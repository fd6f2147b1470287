from django.urls import path

from genxi.projects import views

app_name = "projects"
urlpatterns = [
    path("votes/", views.vote_list, name="vote_list"),
    path("votes/<int:pk>/", views.vote_detail, name="vote_detail"),
    path("votes/<int:pk>/ballot/", views.cast, name="cast"),
    path("votes/<int:pk>/receipt/", views.check, name="check"),
    path("votes/<int:pk>/pabulib/", views.vote_pabulib, name="vote_pabulib"),
    path("votes/<int:pk>/<slug:action>/", views.vote_action, name="vote_action"),
    path("funds/", views.fund_list, name="fund_list"),
    path("funds/new/", views.fund_create, name="fund_create"),
    path("funds/<int:pk>/", views.fund_detail, name="fund_detail"),
    path("funds/<int:pk>/edit/", views.fund_edit, name="fund_edit"),
    path("funds/<int:pk>/projects/new/", views.project_create, name="project_create"),
    path("funds/<int:pk>/votes/new/", views.vote_create, name="vote_create"),
    path("projects/", views.project_list, name="project_list"),
    path("projects/<int:pk>/", views.project_detail, name="project_detail"),
    path("projects/<int:pk>/edit/", views.project_edit, name="project_edit"),
    path("projects/<int:pk>/step/", views.project_step, name="project_step"),
    path("projects/<int:pk>/payment/", views.project_payment, name="project_payment"),
    path("projects/<int:pk>/milestones/", views.project_milestone, name="project_milestone"),
    path("projects/<int:pk>/accept/", views.project_accept, name="project_accept"),
    path("projects/<int:pk>/photos/", views.project_photos, name="project_photos"),
    path("projects/<int:pk>/photos/<int:photo>/", views.project_photo, name="project_photo"),
    path("public/communities/<int:pk>/projects/", views.public_results, name="public_results"),
]
