from genxi.activities.views import activities, checkin, draw, figures, signup

app_name = "activities"
urlpatterns = [
    *activities.urlpatterns,
    *signup.urlpatterns,
    *draw.urlpatterns,
    *checkin.urlpatterns,
    *figures.urlpatterns,
]
