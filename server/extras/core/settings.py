"""Every setting beyond the lesson: its name in app.config, its default, its range, its message.

The environment gives each as FLASK_<NAME> (create_app reads them with
app.config.from_prefixed_env()); a test gives them to create_app(test_config).
extras.configure() checks them all once, before anything else of the app is
made, and writes each back in its checked form: every other module just
reads app.config[NAME]. A wrong value stops `flask` with one line.
"""
import os
from dataclasses import dataclass

from alembic.util import CommandError

# SQLite's busy_timeout is a 32-bit count of milliseconds: about 24 days.
MAX_LOCK_TIMEOUT = (2**31 - 1) // 1000


class SettingError(CommandError):
    """A setting the app cannot use; the message names the variable and what it takes."""


@dataclass(frozen=True)
class Seconds:
    """A number of seconds, from `lowest` (or just above it, if `above_lowest`) to `highest`."""

    name: str  # in app.config; FLASK_<name> in the environment
    default: float
    lowest: float
    highest: float
    above_lowest: bool = False  # 0 would mean "no limit at all" to the driver

    def checked(self, config):
        value = config.get(self.name, self.default)
        try:
            seconds = float(value)
        except (TypeError, ValueError):
            seconds = None
        low_enough = seconds is not None and (seconds > self.lowest if self.above_lowest
                                              else seconds >= self.lowest)
        if not (low_enough and seconds <= self.highest):  # also refuses NaN
            low, high = plain(self.lowest), plain(self.highest)
            bounds = (f"above {low} and at most {high}" if self.above_lowest
                      else f"from {low} to {high}")
            raise SettingError(
                f"FLASK_{self.name} must be a number of seconds {bounds}, not {value!r}.")
        return seconds


def plain(number):
    """2147483, not 2.14748e+06; 0.1 stays 0.1."""
    return int(number) if float(number).is_integer() else number


SECONDS = (
    # How long a migration (or a seed) waits for another run on the same database.
    Seconds("MIGRATION_LOCK_TIMEOUT", 60, 0, MAX_LOCK_TIMEOUT),
    # How long connecting to a database server may take; libpq and PyMySQL take 0 as no limit.
    Seconds("DATABASE_CONNECT_TIMEOUT", 10, 0.1, 3600),
    # How long the schema page waits for a lock a running migration holds.
    Seconds("SCHEMA_PAGE_LOCK_WAIT", 2, 0, 60, above_lowest=True),
)
DEFAULTS = {setting.name: setting.default for setting in SECONDS}


def check_settings(app):
    """Check every setting of `app.config` and write it back checked; fill in the paths."""
    config = app.config
    for setting in SECONDS:
        config[setting.name] = setting.checked(config)
    # Where `flask lesson start` finds step 1's models and sets work aside.
    config.setdefault("MODELS_FILE", os.path.join(app.root_path, "models.py"))
    config.setdefault("LESSON_DIR", os.path.join(os.path.dirname(app.root_path), "lesson"))
    config.setdefault("LESSON_BACKUPS_DIR", os.path.join(app.instance_path, "lesson-backups"))


def host_names(value):
    """SCHEMA_PAGE_HOSTS as lower-case names: a list, or names split by commas.

    Any text is a host name, so there is nothing to refuse: the page reads the
    setting with this on each request (schema_page/protection.py).
    """
    if not value:
        return []
    names = value.split(",") if isinstance(value, str) else value
    return [name.strip().lower() for name in names if name.strip()]
