from genxi.cobuilding.views import (
    agreements,
    evaluations,
    figures,
    hub,
    lists,
    members,
    points,
    portal,
)

app_name = "cobuilding"
urlpatterns = [
    *hub.urlpatterns,
    *agreements.urlpatterns,
    *members.urlpatterns,
    *lists.urlpatterns,
    *points.urlpatterns,
    *portal.urlpatterns,
    *evaluations.urlpatterns,
    *figures.urlpatterns,
]
