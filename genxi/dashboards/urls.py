from genxi.dashboards.views import compare, dashboard, reports

app_name = "dashboards"
urlpatterns = [*dashboard.urlpatterns, *compare.urlpatterns, *reports.urlpatterns]
