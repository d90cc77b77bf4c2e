"""``runserver --production`` for real: waitress in a subprocess, a headless Chromium signing in.

Chromium and its driver are Debian's (scripts/browser.sh installs them for `make test`); without
them the browser test is skipped with the reason, except under CI=true, where it fails.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.cli import run_manage
from support.databases import PROJECT_HEAD
from support.server import get, start_production, stop

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "Browser-harbour-lights-1"
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1100,1000",
)


def migrated_database(tmp_path: Path, revision: str = "head") -> str:
    """A SQLite database upgraded by the CLI, as an operator would."""
    url = f"sqlite:///{tmp_path / 'served.db'}"
    upgraded = run_manage("db", "upgrade", revision, database_url=url)
    assert upgraded.returncode == 0, upgraded.stderr
    return url


@pytest.fixture
def served_admin(tmp_path: Path) -> Iterator[int]:
    """A production server at head with an admin seeded by dbCreateRegUser; yields its port."""
    url = migrated_database(tmp_path)
    seeded = run_manage(
        "dbCreateRegUser",
        "--email",
        ADMIN_EMAIL,
        "--role",
        "admin",
        "--create-roles",
        "--password-stdin",
        database_url=url,
        input=ADMIN_PASSWORD + "\n",
    )
    assert (seeded.returncode, seeded.stdout) == (0, f"created user {ADMIN_EMAIL}\n"), seeded.stderr
    server, port = start_production(url, "--threads", "2")
    try:
        yield port
    finally:
        assert stop(server) == f"serving on http://127.0.0.1:{port} (waitress, 2 threads)\n"


def browser(profile: Path) -> object:
    """Debian's headless Chromium through Selenium and /usr/bin/chromedriver (nothing downloaded)."""
    if not (os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK)):
        reason = f"{CHROMIUM} and {CHROMEDRIVER} are needed (scripts/browser.sh installs them)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true requires a browser: {reason}")
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)


def test_browser_signs_in_and_reads_the_schema_page(served_admin: int, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.remote.webdriver import WebDriver
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.wait import WebDriverWait

    driver = browser(tmp_path / "profile")
    assert isinstance(driver, WebDriver)
    base = f"http://127.0.0.1:{served_admin}"
    try:
        driver.get(f"{base}/schema")  # signed out: sent to the login page, then back here
        WebDriverWait(driver, 10).until(expected_conditions.presence_of_element_located((By.ID, "email")))
        assert driver.current_url == f"{base}/login?next=/schema"
        driver.find_element(By.ID, "email").send_keys(ADMIN_EMAIL)
        driver.find_element(By.ID, "password").send_keys(ADMIN_PASSWORD)
        driver.find_element(By.ID, "submit").click()
        WebDriverWait(driver, 10).until(expected_conditions.presence_of_element_located((By.ID, "heads")))
        assert driver.current_url == f"{base}/schema"
        assert driver.find_element(By.ID, "heads").text == PROJECT_HEAD
        assert driver.find_element(By.ID, "current").text == PROJECT_HEAD
        assert driver.find_element(By.ID, "at-head").text == "at head"
        assert driver.find_element(By.ID, "db-dialect").text == "sqlite"
        # the stylesheet was served and applied (no CDN: it is the project's own file)
        header = driver.find_element(By.CSS_SELECTOR, "header.top")
        assert header.value_of_css_property("display") == "flex"
        assert driver.save_screenshot(str(tmp_path / "schema.png"))
        if os.environ.get("WEB_SCREENSHOT_DIR"):  # for a person to look at after a run
            shutil.copy(tmp_path / "schema.png", Path(os.environ["WEB_SCREENSHOT_DIR"]) / "schema.png")
    finally:
        driver.quit()


def test_production_refuses_a_published_default_secret() -> None:
    refused = run_manage("runserver", "--production", env={"SECRET_KEY": "change-me"})
    assert (refused.returncode, refused.stdout) == (2, "")
    assert refused.stderr == (
        "Error: SECRET_KEY is a published default value; "
        "generate one with `python -c 'import secrets; print(secrets.token_urlsafe(48))'`\n"
    )


def test_production_refuses_a_missing_secret() -> None:
    refused = run_manage("runserver", "--production", env={"SECURITY_PASSWORD_SALT": ""})
    assert (refused.returncode, refused.stdout) == (2, "")
    assert refused.stderr == (
        "Error: SECURITY_PASSWORD_SALT is not set: production takes it from the environment "
        "(SECURITY_PASSWORD_SALT or SECURITY_PASSWORD_SALT_FILE), "
        "not from the development copy in instance/\n"
    )


def test_production_refuses_a_database_not_at_head_unless_allowed(tmp_path: Path) -> None:
    url = migrated_database(tmp_path, "0001")
    refused = run_manage("runserver", "--production", database_url=url)
    assert (refused.returncode, refused.stdout) == (1, "")
    assert refused.stderr == (
        f"Error: the database ({url}) is at 0001, not at head {PROJECT_HEAD}: "
        "run `python manage.py db upgrade` first (or pass --allow-not-at-head)\n"
    )
    server, port = start_production(url, "--allow-not-at-head")
    try:
        status, body = get(port, "/healthz")
    finally:
        stop(server)
    assert (status, json.loads(body)) == (
        503,
        {
            "status": "unavailable",
            "database": "ok",
            "schema": "not at head",
            "current": ["0001"],
            "heads": [PROJECT_HEAD],
        },
    )
