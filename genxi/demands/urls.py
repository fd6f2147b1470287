from django.urls import path

from genxi.demands import views

app_name = "demands"
urlpatterns = [
    path("categories/", views.category_list, name="category_list"),
    path("categories/new/", views.CategoryCreate.as_view(), name="category_create"),
    path("categories/<int:pk>/", views.CategoryEdit.as_view(), name="category_edit"),
]
