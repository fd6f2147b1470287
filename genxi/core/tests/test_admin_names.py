"""The administration speaks Chinese: every app and model on its index, ours and third-party."""

import re

import pytest

from genxi.accounts.services import create_user
from genxi.conftest import PASSWORD, World

pytestmark = pytest.mark.django_db


def test_the_admin_index_names_every_app_and_model_in_chinese(world: World, client) -> None:
    root = create_user(actor=None, username="root", password=PASSWORD, is_superuser=True)
    client.force_login(root)
    html = client.get("/admin/").content.decode()
    headings = re.findall(r"<caption>.*?</caption>|<th scope=\"row\"[^>]*>.*?</th>", html, re.S)
    names = [re.sub(r"<[^>]+>", "", found).strip() for found in headings]
    assert len(names) > 20
    english = [name for name in names if re.search(r"[A-Za-z]", name)]
    assert english == []
    assert not [name for name in names if name.endswith("s")]
    assert {"登录锁定", "登录尝试", "后台任务", "任务结果"} <= set(names)  # axes, tasks
    assert {"投票记录", "分拣反馈", "社区分拣设置"} <= set(names)
