import random

import pytest

from genxi.conftest import World
from genxi.demands import services as demands
from genxi.demands.models import Category

# Four kinds of demand, each with its own phrases; the generated texts mix them with shared
# filler so that a classifier has something to learn and something to ignore.
TOPICS = {
    "电梯维修": ["电梯坏了", "电梯停运", "电梯异响", "电梯按钮失灵", "电梯困人", "电梯门关不上"],
    "绿化养护": ["树枝遮挡窗户", "草坪枯黄", "绿化带杂草丛生", "树木倒伏", "花坛破损", "树叶堵塞"],
    "停车管理": ["乱停车", "车位不够", "电动车充电难", "消防通道被占", "车库漏水", "道闸坏了"],
    "噪音扰民": ["装修噪音", "广场舞太吵", "夜间施工", "狗叫扰民", "空调外机噪音", "酒吧音乐"],
}
PLACES = ["三花苑", "宝祥苑", "清嘉苑", "金阳宝地", "和泰小区"]
FILLER = ["请尽快处理", "已经好几天了", "居民意见很大", "希望社区协调", "多次反映未解决", ""]


def generated(n_per_topic: int, seed: int = 0) -> list[tuple[str, str, str]]:
    """(title, details, topic) rows, shuffled, reproducible."""
    rng = random.Random(seed)
    rows = []
    for topic, phrases in TOPICS.items():
        for _ in range(n_per_topic):
            phrase, other = rng.sample(phrases, 2)
            title = f"{rng.choice(PLACES)}{rng.randint(1, 30)}幢{phrase}"
            details = f"{other}，{rng.choice(FILLER)}。{rng.choice(FILLER)}"
            rows.append((title, details, topic))
    rng.shuffle(rows)
    return rows


@pytest.fixture
def topics(world: World) -> dict[str, Category]:
    """One category per topic, its keywords the topic's first two phrases."""
    made = {}
    for name, phrases in TOPICS.items():
        made[name] = demands.create_category(
            actor=None, name=name, keywords=" ".join(phrases[:2]), resolution_days=5
        )
    return made
