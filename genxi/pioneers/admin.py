from django.contrib import admin

from genxi.core.admin import RecordAdmin
from genxi.pioneers.models import PointAccount, PointItem, Redemption, Reward

# ---------------------------------------------------------------- points (积分)
# Read-only: every change to points goes through genxi.pioneers.services.points, which locks
# the rows and writes the ledger; an edit here would bypass both.


@admin.register(PointItem)
class PointItemAdmin(RecordAdmin):
    list_display = ["name", "area", "points", "is_active"]
    search_fields = ["name"]


@admin.register(Reward)
class RewardAdmin(RecordAdmin):
    list_display = ["name", "area", "cost", "stock", "is_active"]
    search_fields = ["name"]


@admin.register(PointAccount)
class PointAccountAdmin(RecordAdmin):
    list_display = ["resident", "balance", "earned"]
    search_fields = ["resident__name"]
    list_select_related = ["resident"]


@admin.register(Redemption)
class RedemptionAdmin(RecordAdmin):
    list_display = ["code", "reward", "account", "points", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["code"]
    list_select_related = ["reward", "account__resident"]
