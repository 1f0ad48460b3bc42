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
            # FLASK_X=true arrives as True, which float() would take as 1 second.
            seconds = None if isinstance(value, bool) else float(value)
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


@dataclass(frozen=True)
class PathSetting:
    """A file or folder; `default(app)` is where it is unless set."""

    name: str
    what: str  # "file" or "folder", for the message
    default: object

    def checked(self, app):
        value = app.config.get(self.name)
        if self.name not in app.config:
            return self.default(app)
        # FLASK_X=123, true or null arrive as a number, True or None: JSON, not a path.
        if not isinstance(value, (str, os.PathLike)) or not str(value).strip():
            raise SettingError(f"FLASK_{self.name} must be the path of a {self.what}, "
                               f"not {value!r}.")
        return value


PATHS = (
    # The models.py that `flask lesson start` replaces with step 1's.
    PathSetting("MODELS_FILE", "file", lambda app: os.path.join(app.root_path, "models.py")),
    # Where `flask lesson start` finds step 1's models.
    PathSetting("LESSON_DIR", "folder",
         lambda app: os.path.join(os.path.dirname(app.root_path), "lesson")),
    # Where `flask lesson start` and `restore` set work aside.
    PathSetting("LESSON_BACKUPS_DIR", "folder",
         lambda app: os.path.join(app.instance_path, "lesson-backups")),
)


def check_settings(app):
    """Check every setting of `app.config` and write it back checked; fill in the paths."""
    config = app.config
    for setting in SECONDS:
        config[setting.name] = setting.checked(config)
    for path in PATHS:
        config[path.name] = path.checked(app)
    hosts = config.get("SCHEMA_PAGE_HOSTS")
    if hosts is not None and not (isinstance(hosts, str) or (
            isinstance(hosts, (list, tuple)) and all(isinstance(name, str) for name in hosts))):
        # FLASK_SCHEMA_PAGE_HOSTS=5 arrives as the number 5.
        raise SettingError("FLASK_SCHEMA_PAGE_HOSTS must be host names separated by commas, "
                           f"not {hosts!r}.")


def host_names(value):
    """SCHEMA_PAGE_HOSTS as lower-case names: a list, or names split by commas.

    Any text is a host name, so there is nothing to refuse: the page reads the
    setting with this on each request (schema_page/protection.py).
    """
    if not value:
        return []
    names = value.split(",") if isinstance(value, str) else value
    return [name.strip().lower() for name in names if name.strip()]
