"""The schema page in a real browser: Debian's Chromium, headless, against `flask run`.

Runs whenever Chromium and its chromedriver are installed. With
REQUIRE_BROWSER=1 (as CI sets it) a missing browser fails the run; without
it, a learner's machine without Chromium skips this test and stays green.
"""
import os
import shutil
import time

import pytest
from sqlalchemy.engine import make_url

from helpers.flask_process import flask
from helpers.held_locks import LOCK_WAIT_MARGIN, held_like_a_migration
from helpers.live_server import serving
from testing.backends import SQLITE
from testing.lesson import DEPARTMENT_ROWS, EMPLOYEE_ROWS

CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")


def require_browser():
    """Skip (or, with REQUIRE_BROWSER=1, fail) unless Chromium can be driven here."""
    missing = [name for name, path in (("chromium", CHROMIUM), ("chromedriver", CHROMEDRIVER))
               if path is None]
    if not missing:
        return
    why = (f"{' and '.join(missing)} not found on PATH; install Debian's packages "
           "`chromium` and `chromium-driver` to run the browser test")
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"REQUIRE_BROWSER=1 but {why}.", pytrace=False)
    pytest.skip(why)


@pytest.fixture(scope="session")
def chromium(tmp_path_factory):
    """One headless Chromium for the whole run: starting it costs a second."""
    require_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        # Root in a container: no sandbox, no GPU, no window.
        "--headless", "--no-sandbox", "--disable-gpu",
        # A closed network: Chromium must not try to phone home.
        "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # An explicit driver path: Selenium Manager never runs, so nothing is downloaded.
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


@pytest.fixture
def browser(chromium):
    """The shared Chromium, with a clean console log and the usual window size."""
    chromium.get_log("browser")
    chromium.set_window_size(1000, 900)
    return chromium


# The page's lock wait, in whole seconds as MariaDB takes it: the held-lock test waits it out.
LOCK_WAIT = 1


@pytest.fixture
def live_server(database_url, tmp_path):
    """`flask run` from server/, on a free loopback port, serving the test's database.

    Without the reloader: it would start a second `flask` for nothing here.
    """
    with serving("run", "--no-reload", database_url=database_url,
                 log_path=tmp_path / "flask-run.log",
                 settings={"FLASK_SCHEMA_PAGE_LOCK_WAIT": str(LOCK_WAIT)}) as (url, _):
        yield url


def table_section(browser, name):
    from selenium.webdriver.common.by import By

    sections = browser.find_elements(By.ID, f"table-{name}")
    shown = browser.find_element(By.TAG_NAME, "main").text
    assert sections, f"the page shows no table `{name}`:\n{shown}"
    return sections[0].text


def test_page_follows_the_migrations_in_a_browser(
    browser, live_server, database_url, live_db, steps, tmp_path, record_property
):
    from selenium.webdriver.common.by import By

    step2, head = steps[1], steps[-1]
    live_db.upgrade(step2.revision, f"Upgrading to {step2}")
    live_db.insert("employees", EMPLOYEE_ROWS)
    live_db.insert("department", DEPARTMENT_ROWS)

    browser.get(live_server + "/")
    assert browser.title.startswith("Database schema")
    assert step2.revision in browser.find_element(By.ID, "revision").text
    department = table_section(browser, "department")
    assert "address" in department and "Payroll" in department
    assert not browser.find_elements(By.ID, "table-departments")
    assert "The models and the database differ" in browser.find_element(By.ID, "warnings").text
    save_screenshot(browser, tmp_path / "schema-page-step-2.png", record_property)

    # Another terminal, another process: the learner's `flask db upgrade`.
    upgraded = flask("db", "upgrade", "head", database_url=database_url)
    assert upgraded.returncode == 0, upgraded.stderr
    browser.refresh()

    assert head.revision in browser.find_element(By.ID, "revision").text
    assert "at head" in browser.find_element(By.ID, "revision").text
    departments = table_section(browser, "departments")
    assert "location" in departments and "address" not in departments
    for row in DEPARTMENT_ROWS:
        assert row["name"] in departments and row["address"] in departments
    assert "Kai Uri" in table_section(browser, "employees")
    assert not browser.find_elements(By.ID, "table-department")
    assert not browser.find_elements(By.ID, "warnings")

    # Our own stylesheet loaded (offline), and nothing went wrong in the console.
    max_width = browser.execute_script("return getComputedStyle(document.body).maxWidth")
    assert max_width == "960px", "static/schema.css did not load: the page is unstyled"
    errors = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert not errors, errors

    save_screenshot(browser, tmp_path / "schema-page.png", record_property)


def save_screenshot(browser, path, record_property):
    """The whole page, not just the window; the path shows in pytest's summary."""
    browser.set_window_size(1000, 600)  # so the page's height is its own, not the window's
    height = browser.execute_script(
        "return document.documentElement.scrollHeight + window.outerHeight - window.innerHeight"
    )
    browser.set_window_size(1000, height)
    assert browser.save_screenshot(str(path)), f"Chromium could not save {path}"
    record_property("screenshot", str(path))
    print(f"screenshot: {path}")


@pytest.mark.parametrize("backend", [SQLITE], ids=str)
def test_a_replaced_sqlite_file_shows_at_once(browser, live_server, database_url, live_db,
                                              steps):
    """The README's own fix, `rm instance/app.db && flask db upgrade`, under a running server."""
    from selenium.webdriver.common.by import By

    live_db.upgrade(steps[1].revision, f"Upgrading to {steps[1]}")
    live_db.insert("employees", EMPLOYEE_ROWS)
    browser.get(live_server + "/")
    assert steps[1].revision in browser.find_element(By.ID, "revision").text
    assert "Kai Uri" in table_section(browser, "employees")

    os.remove(make_url(database_url).database)
    upgraded = flask("db", "upgrade", "head", database_url=database_url)
    assert upgraded.returncode == 0, upgraded.stderr
    browser.refresh()

    assert steps[-1].revision in browser.find_element(By.ID, "revision").text
    employees = table_section(browser, "employees")
    assert "0 rows" in employees and "Kai Uri" not in employees


@pytest.mark.database_at_step(4)
def test_a_held_migration_lock_gives_503_then_the_page_works(browser, live_server, database_url,
                                                               live_db, steps):
    """While a migration holds its locks the page answers within its wait, then works again."""
    from selenium.webdriver.common.by import By

    live_db.insert("employees", EMPLOYEE_ROWS)

    with held_like_a_migration(database_url, "employees"):
        started = time.monotonic()
        browser.get(live_server + "/")
        waited = time.monotonic() - started
        title, shown = browser.title, browser.find_element(By.TAG_NAME, "main").text

    assert title.startswith("A migration is running"), shown
    assert "reload in a moment" in shown
    assert waited < LOCK_WAIT + LOCK_WAIT_MARGIN, f"the page took {waited:.1f} s"
    browser.refresh()
    assert browser.title.startswith("Database schema")
    assert "Kai Uri" in table_section(browser, "employees")
