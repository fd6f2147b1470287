"""The demo's co-building, from the seeds' five partnerships (loaded by `genxi demo`,
idempotent: each record is found by its title and community):

- 娄北社区 with 苏州市农产品发展有限公司: the agreement, its weekly self-inspection report;
- 和美社区 with 苏州信托: the playground need, claimed and delivered as a project contribution;
- 虎池苑社区's 舍得空间 with 苏州城投再生资源: the recycling point, its prices and home pick-ups;
- 绿色时光社区 with 京师(苏州)律师事务所: legal consultations as a resource;
- in-service party members reporting to 和泰社区, with posts and hours.

Dates are relative to the day the demo is loaded. Each part is its own function below.
"""

from datetime import date


def load(today: date) -> int:
    """Load every part; returns how many records were created."""
    return _agreements(today) + _members(today) + _lists(today) + _points(today)


# -- Agreements and commitments (娄北 with 苏州市农产品发展有限公司) ----------------------------
#
#
#


def _agreements(today: date) -> int:
    return 0


# -- 双报到: units and in-service party members -------------------------------------------------
#
#
#


def _members(today: date) -> int:
    return 0


# -- The three lists (和美's playground, 绿色时光's legal consultations) ---------------------
#
#
#


def _lists(today: date) -> int:
    return 0


# -- Service points (虎池苑's 舍得空间) ------------------------------------------------------
#
#
#


def _points(today: date) -> int:
    return 0
