from genxi.inspections.views import onsite, rectification, results, rounds

app_name = "inspections"
urlpatterns = [
    *rounds.urlpatterns,
    *onsite.urlpatterns,
    *rectification.urlpatterns,
    *results.urlpatterns,
]
