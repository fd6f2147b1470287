"""The demo's common areas: the seeds' stories happen at a pavilion, a gate, a corridor and a
playground of a compound, and their demands say so."""

import pytest

from genxi.demands.models import Demand
from genxi.places.demo import load_demo
from genxi.places.models import AreaKind


@pytest.mark.django_db
def test_the_seed_demands_point_at_their_common_areas() -> None:
    load_demo()
    places = {
        d.title: (d.area.kind, d.area.parent.name, d.area.name, d.community.name)
        for d in Demand.objects.select_related("area__parent", "community")
    }
    common = AreaKind.COMMON_AREA
    assert places["小区休憩亭破损严重"] == (common, "宝祥苑", "小区休憩亭", "宝祥社区")
    assert places["南门非机动车道太窄"] == (common, "清嘉苑", "南门", "清嘉苑社区")
    assert places["三花半月谈长廊座椅不够"] == (common, "三花苑", "半月谈长廊", "和泰社区")
    assert places["小游园塑胶场地老化"] == (common, "和美家园", "小游园", "和美社区")
