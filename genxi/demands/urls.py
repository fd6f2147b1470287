from django.urls import path

from genxi.demands import views

app_name = "demands"
urlpatterns = [
    path("categories/", views.category_list, name="category_list"),
    path("categories/new/", views.category_create, name="category_create"),
    path("categories/<int:pk>/", views.category_edit, name="category_edit"),
    path("track/", views.track, name="track"),
    path(
        "demands/",
        views.for_residents_too(views.demand_list, "demands:my_demands"),
        name="demand_list",
    ),
    path("demands/figures/", views.figures_page, name="figures"),
    path("demands/import/", views.import_ledger, name="import"),
    path(
        "demands/new/",
        views.for_residents_too(views.demand_create, "demands:my_demand_create"),
        name="demand_create",
    ),
    path("demands/pick-resident/", views.pick_resident, name="pick_resident"),
    path("demands/<int:pk>/", views.demand_detail, name="demand_detail"),
    path("demands/<int:pk>/photos/<int:photo>/", views.demand_photo, name="demand_photo"),
    path("demands/<int:pk>/partners/", views.pick_partner, name="pick_partner"),
    path("demands/<int:pk>/partners/new/", views.add_partner, name="add_partner"),
    path("demands/<int:pk>/<slug:action>/", views.demand_action, name="demand_action"),
    # A resident's own demands (their phone).
    path("my/demands/", views.my_demands, name="my_demands"),
    path("my/demands/new/", views.my_demand_create, name="my_demand_create"),
    path("my/demands/<int:pk>/", views.my_demand, name="my_demand"),
    path("my/demands/<int:pk>/photos/<int:photo>/", views.my_demand_photo, name="my_demand_photo"),
]
