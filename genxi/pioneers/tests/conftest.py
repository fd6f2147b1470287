"""Fixtures shared by pioneers' tests.

- `households`: carol's grid (和泰一网格, building 三花苑 1幢) with five households: 周福珍 in
  302 (the world's), 孙阿婆 in 101 (独居老人), 钱师傅 in 201 (残疾人), 赵家 in 401 and 吴家 in
  502 (no tags); carol visited 302 forty days ago.
"""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone

from genxi.conftest import World
from genxi.demands.models import Visit
from genxi.places import services
from genxi.places.models import Resident, Tag


@dataclass
class Households:
    zhou: Resident  # 302, visited forty days ago
    sun: Resident  # 101, 独居老人
    qian: Resident  # 201, 残疾人
    zhao: Resident  # 401
    wu: Resident  # 502
    visit: Visit


@pytest.fixture
def households(world: World) -> Households:
    alone, _ = Tag.objects.get_or_create(name="独居老人")
    disabled, _ = Tag.objects.get_or_create(name="残疾人")

    def resident(name: str, room: str, phone: str) -> Resident:
        return services.create_resident(
            actor=None, name=name, phone=phone, area=world.building1, room=room
        )

    sun = resident("孙阿婆", "101", "13800000101")
    sun.tags.add(alone)
    qian = resident("钱师傅", "201", "13800000201")
    qian.tags.add(disabled)
    zhao = resident("赵家明", "401", "13800000401")
    wu = resident("吴桂英", "502", "13800000502")
    visit = Visit.objects.create(
        pioneer=world["carol"],
        area=world.building1,
        room="302",
        visited_on=timezone.localdate() - timedelta(days=40),
        notes="身体还好",
    )
    visit.met.add(world.resident1)
    return Households(world.resident1, sun, qian, zhao, wu, visit)
