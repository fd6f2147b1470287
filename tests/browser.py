"""Helpers for the Playwright tests: log in through the real form, take named screenshots."""

import os
from pathlib import Path
from typing import Any

SCREENS = Path(os.environ.get("GENXI_SCREENSHOTS", "build/screens"))
PHONE = {"width": 390, "height": 844}
DESK = {"width": 1366, "height": 768}


def shot(page: Any, name: str) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / f"{name}.png"), full_page=True)


def log_in(page: Any, base_url: str, username: str, password: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}/")


def menu(page: Any, key: str) -> None:
    """Open the menu entry `key` (its `data-nav`, as in home/navigation.py): on a desk from the
    side menu, on a phone from the tab bar or, for the entries past the first tabs, under 更多."""
    tab = page.locator(f"nav.tabbar > a[data-nav={key}]")
    if tab.count() and tab.is_visible():
        tab.click()
        return
    if page.locator("nav.tabbar").is_visible():
        if page.locator("nav.tabbar details.more[open]").count() == 0:
            page.click("nav.tabbar details.more summary")
        page.click(f"nav.tabbar .sheet a[data-nav={key}]")
        return
    page.click(f"nav.mainnav a[data-nav={key}]")
