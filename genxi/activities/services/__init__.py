"""The activities' writes, a module per topic: seats (the lock and the count), activities
(activities, sessions, classes, fairs, reports), registration (sign-up, cancel, waiting list,
capacity), draw, checkin (the door, volunteers, reminders)."""
