from django.urls import path

from genxi.meetings import views

app_name = "meetings"
urlpatterns = [
    path("meetings/", views.meeting_list, name="meeting_list"),
    path("meetings/new/", views.meeting_create, name="meeting_create"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("meetings/<int:pk>/move/", views.meeting_reschedule, name="meeting_reschedule"),
    path("meetings/<int:pk>/print/", views.meeting_print, name="meeting_print"),
    path("meetings/<int:pk>/attendance/<int:invitee>/", views.attendance, name="attendance"),
    path("meetings/<int:pk>/opinions/", views.opinion, name="opinion"),
    path("meetings/<int:pk>/plan/", views.plan, name="plan"),
    path("meetings/<int:pk>/minutes/", views.minutes, name="minutes"),
    path("meetings/<int:pk>/actions/", views.follow_up, name="follow_up"),
    path("meetings/<int:pk>/actions/<int:action>/demand/", views.to_demand, name="to_demand"),
    path("meetings/<int:pk>/actions/<int:action>/project/", views.to_project, name="to_project"),
]
