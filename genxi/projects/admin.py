from django.contrib import admin

from genxi.core.admin import RecordAdmin
from genxi.projects.models import Fund, FundEntry, Participation, Project, Vote


@admin.register(Fund)
class FundAdmin(RecordAdmin):
    """Funds change through their services (rules freeze when a vote opens); the admin lists."""

    list_display = ["community", "year", "amount", "reserve", "max_per_project", "frozen_at"]
    list_filter = ["year"]


@admin.register(Project)
class ProjectAdmin(RecordAdmin):
    """Projects move through their services; the admin lists them."""

    list_display = ["title", "community", "cost", "phase", "implementer"]
    list_filter = ["phase"]
    search_fields = ["title"]


@admin.register(Vote)
class VoteAdmin(RecordAdmin):
    list_display = ["title", "community", "method", "status", "secret", "opened_at", "closed_at"]
    list_filter = ["status", "method"]


@admin.register(Participation)
class ParticipationAdmin(RecordAdmin):
    """Who voted and how; what they chose is not here (and in a secret vote, nowhere)."""

    list_display = ["vote", "elector", "channel", "paper_ref", "at"]
    list_filter = ["channel"]


@admin.register(FundEntry)
class FundEntryAdmin(RecordAdmin):
    list_display = ["at", "fund", "project", "kind", "amount", "override_reason"]
    list_filter = ["kind"]
