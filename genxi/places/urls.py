from django.urls import path

from genxi.places import views

app_name = "places"
urlpatterns = [
    path("areas/", views.AreaList.as_view(), name="area_list"),
    path("areas/<int:pk>/", views.AreaDetail.as_view(), name="area_detail"),
    path("areas/<int:parent>/new/<slug:kind>/", views.AreaCreate.as_view(), name="area_create"),
    path("areas/<int:pk>/edit/", views.AreaEdit.as_view(), name="area_edit"),
    path("party-orgs/", views.PartyOrgList.as_view(), name="partyorg_list"),
    path("party-orgs/new/", views.PartyOrgCreate.as_view(), name="partyorg_create"),
    path("party-orgs/<int:pk>/", views.PartyOrgDetail.as_view(), name="partyorg_detail"),
    path("party-orgs/<int:pk>/edit/", views.PartyOrgEdit.as_view(), name="partyorg_edit"),
    path("partners/", views.PartnerList.as_view(), name="partner_list"),
    path("partners/new/", views.PartnerCreate.as_view(), name="partner_create"),
    path("partners/<int:pk>/", views.PartnerDetail.as_view(), name="partner_detail"),
    path("partners/<int:pk>/edit/", views.PartnerEdit.as_view(), name="partner_edit"),
    path("partners/<int:pk>/contacts/", views.partner_contact_add, name="partner_contact_add"),
    path(
        "partners/<int:pk>/contacts/<int:contact>/remove/",
        views.partner_contact_remove,
        name="partner_contact_remove",
    ),
    path("venues/", views.VenueList.as_view(), name="venue_list"),
    path("venues/new/", views.VenueCreate.as_view(), name="venue_create"),
    path("venues/<int:pk>/", views.VenueDetail.as_view(), name="venue_detail"),
    path("venues/<int:pk>/edit/", views.VenueEdit.as_view(), name="venue_edit"),
    path("venues/<int:pk>/calendar/", views.venue_calendar, name="venue_calendar"),
    path("venues/<int:pk>/book/", views.venue_book, name="venue_book"),
    path("venues/<int:pk>/request/", views.venue_request, name="venue_request"),
    path("venues/<int:pk>/feed/reset/", views.venue_feed_reset, name="venue_feed_reset"),
    path("venues/feed/<str:token>.ics", views.venue_feed, name="venue_feed"),
    path("venues/bookings/requests/", views.booking_requests, name="booking_requests"),
    path("venues/bookings/<int:pk>/approve/", views.booking_approve, name="booking_approve"),
    path("venues/bookings/<int:pk>/refuse/", views.booking_refuse, name="booking_refuse"),
    path("venues/bookings/<int:pk>/cancel/", views.booking_cancel, name="booking_cancel"),
    path("residents/", views.ResidentList.as_view(), name="resident_list"),
    path("residents/new/", views.ResidentCreate.as_view(), name="resident_create"),
    path("residents/<int:pk>/", views.ResidentDetail.as_view(), name="resident_detail"),
    path("residents/<int:pk>/edit/", views.ResidentEdit.as_view(), name="resident_edit"),
    path("residents/<int:pk>/phone/", views.resident_phone, name="resident_phone"),
]
