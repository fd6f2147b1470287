import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from genxi.conftest import PASSWORD, World
from genxi.core.models import AuditEntry
from genxi.core.services import ServiceError
from genxi.demands.models import Category, category_tree
from genxi.demands.services import create_category, update_category
from tests.browser import log_in, shot


@pytest.mark.django_db
def test_the_tree_is_three_levels_with_deadlines(world: World) -> None:
    root = create_category(
        actor=world["alice"], name="城乡建设", response_days=1, resolution_days=10
    )
    child = create_category(
        actor=None, name="市政设施", parent=root, response_days=1, resolution_days=5
    )
    leaf = create_category(
        actor=None, name="道路破损", parent=child, response_days=1, resolution_days=3
    )
    assert (root.depth, child.depth, leaf.depth) == (0, 1, 2)
    with pytest.raises(ServiceError) as excinfo:
        create_category(actor=None, name="第四层", parent=leaf)
    assert excinfo.value.field == "parent"
    create_category(actor=None, name="环境保护")
    assert [c.name for c in category_tree(Category.objects.all())] == [
        "城乡建设",
        "市政设施",
        "道路破损",
        "环境保护",
    ]
    assert AuditEntry.objects.for_object(root).get().actor == world["alice"]


@pytest.mark.django_db
def test_bad_deadlines_and_duplicate_names_are_refused(world: World) -> None:
    root = create_category(actor=None, name="城乡建设")
    with pytest.raises(ServiceError) as excinfo:
        create_category(
            actor=None, name="物业管理", parent=root, response_days=5, resolution_days=2
        )
    assert excinfo.value.field == "resolution_days"
    with pytest.raises(ServiceError):
        create_category(actor=None, name="城乡建设")  # a second root of the same name
    assert Category.objects.count() == 1
    with pytest.raises(ServiceError):
        update_category(actor=None, category=root, response_days=9)  # longer than resolution (5)


@pytest.mark.django_db
def test_only_street_staff_keep_the_tree(world: World, client) -> None:
    client.force_login(world["bob"])
    assert client.get(reverse("demands:category_list")).status_code == 200
    assert client.post(reverse("demands:category_create"), {"name": "x"}).status_code == 404
    client.force_login(world["alice"])
    response = client.post(
        reverse("demands:category_create"),
        {"name": "城乡建设", "response_days": "1", "resolution_days": "0", "is_active": "on"},
    )
    assert "确保该值大于或等于1" in response.content.decode()
    assert not Category.objects.exists()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_street_staff_build_the_category_tree(world: World, live_server, page: Page) -> None:
    log_in(page, live_server.url, "alice", PASSWORD)
    page.goto(f"{live_server.url}/categories/")
    page.click("text=+ 新建")
    page.fill("input[name=name]", "城乡建设")
    page.fill("input[name=response_days]", "2")
    page.fill("input[name=resolution_days]", "10")
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/categories/")
    page.click("text=+ 子分类")
    # A sub-category starts with its parent's deadlines.
    expect(page.locator("input[name=resolution_days]")).to_have_value("10")
    page.fill("input[name=name]", "市政设施")
    page.fill("input[name=resolution_days]", "1")
    page.click("button[type=submit]")
    expect(page.locator(".errors, .field.invalid")).to_contain_text("不能短于")
    page.fill("input[name=resolution_days]", "5")
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/categories/")
    expect(page.locator("table")).to_contain_text("市政设施")
    shot(page, "desk-categories")
    assert Category.objects.get(name="市政设施").parent == Category.objects.get(name="城乡建设")
