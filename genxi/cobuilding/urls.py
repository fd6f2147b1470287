from genxi.cobuilding.views import agreements, figures, hub, lists, members, points, portal

app_name = "cobuilding"
urlpatterns = [
    *hub.urlpatterns,
    *agreements.urlpatterns,
    *members.urlpatterns,
    *lists.urlpatterns,
    *points.urlpatterns,
    *portal.urlpatterns,
    *figures.urlpatterns,
]
