from genxi.pioneers.views import appointments, assessment, grids, hub, points, visits

app_name = "pioneers"
urlpatterns = [
    *hub.urlpatterns,
    *appointments.urlpatterns,
    *grids.urlpatterns,
    *visits.urlpatterns,
    *assessment.urlpatterns,
    *points.urlpatterns,
]
