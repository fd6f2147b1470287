"""The activities' pages, a module per topic, each with its own `urlpatterns` (urls.py joins
them): activities (staff: activities, sessions, classes, fairs, report), signup (residents and
staff registering people), draw (the draw and its public page), checkin (the door),
figures (figures and exports)."""
