"""Browser tests: Debian's Chromium driven by Playwright against our service on a real socket.

Playwright never downloads a browser here: it starts `/usr/bin/chromium` (`apt-get install
chromium`; `.ci/run` installs it). Without it the tests skip locally with that reason, and fail
in CI (CI=true), where a skip would hide that nothing ran.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from typing import Any, Iterator

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
STAFF_USERNAME = "staff"
STAFF_PASSWORD = "correct horse battery staple"



def _chromium_missing() -> str | None:
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        return f"Chromium not found at {CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -r requirements.txt)"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = _chromium_missing()
    for item in items:
        if "tests/browser/" not in item.nodeid.replace(os.sep, "/"):
            continue
        item.add_marker(pytest.mark.browser)
        if reason is not None and not os.environ.get("CI"):
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Chromium for one test module.

    Playwright's sync API keeps an event loop running in this thread while it is started. Per
    module, so that the loop is gone before other modules' tests (Django's sync-async bridges
    refuse to run beside it), and Django's async-safety check is relaxed only meanwhile, for
    the ORM calls that set up and check data between page steps (pytest-playwright's advice).
    """
    reason = _chromium_missing()
    if reason is not None:
        pytest.fail(f"browser tests cannot run in CI: {reason}")
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser: Any, service_url: str) -> Iterator[Any]:
    """A fresh browser context (no cookies) whose relative URLs go to our live service."""
    context = browser.new_context(base_url=service_url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@dataclass(frozen=True)
class Staff:
    username: str
    password: str


@pytest.fixture
def staff_user(transactional_db: None) -> Staff:
    """A staff member with every admin permission (a superuser, as the first staff account is)."""
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_superuser(STAFF_USERNAME, "staff@example.com", STAFF_PASSWORD)
    return Staff(STAFF_USERNAME, STAFF_PASSWORD)


@pytest.fixture
def admin_page(page: Any, staff_user: Staff) -> Any:
    """A page logged in to the admin through its login form."""
    from playwright.sync_api import expect

    page.goto("/admin/login/?next=/admin/")
    page.get_by_label("Username").fill(staff_user.username)
    page.get_by_label("Password").fill(staff_user.password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name="Log out").or_(page.get_by_role("button", name="Log out"))).to_be_visible()
    return page
