"""CLI start-up: `flask db current` on our app against a bare Flask-Migrate app.

The bare app is one file with one model that uses only Flask,
Flask-SQLAlchemy and Flask-Migrate from the same virtual environment; the
bench writes it to a temporary folder and runs `flask db init`, `migrate`
and `upgrade` there first. Both databases are SQLite files at head, so the
difference is what our app adds at start-up. `python -X importtime` then
shows which imports only our app makes, and what they cost.

Wall time on a shared or virtual machine swings by a quarter from run to
run, so the full run also counts the instructions each app executes, under
valgrind's callgrind when it is installed: the same count on every run,
however busy the machine is.
"""
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import NamedTuple

from benchmarks import BenchError
from helpers.flask_process import FLASK, flask_env
from helpers.paths import SERVER_DIR

IMPORTTIME_RUNS = 3

BARE_APP = '''"""A bare Flask-Migrate app: one file, one model."""
from flask import Flask
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///bare.db"
db = SQLAlchemy(app)
migrate = Migrate(app, db)


class Employee(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(255), nullable=False)
'''


class Imported(NamedTuple):
    """One line of `-X importtime`: what a module took, and who imported it."""

    self_us: int
    cumulative_us: int
    parent: str | None


class App:
    """Where to run `flask` for one app, and with which environment."""

    def __init__(self, name, folder, database_url=None):
        self.name = name
        self.folder = Path(folder)
        # Only what the app's own files say: no FLASK_* or DATABASE_URL from the caller.
        self.env = flask_env(database_url)

    def flask(self, *args, python_options=(), wrapper=()):
        """Run `flask *args`; `wrapper` (a command such as valgrind) runs it, if given."""
        if python_options or wrapper:
            command = [*wrapper, sys.executable, *python_options, "-m", "flask"]
        else:
            command = [str(FLASK)]
        result = subprocess.run([*command, *args], cwd=self.folder, env=self.env,
                                capture_output=True, text=True)
        if result.returncode != 0:
            last = (result.stderr.strip().splitlines() or ["(no output)"])[-1]
            raise BenchError(f"`flask {' '.join(args)}` failed for the {self.name} app: {last}")
        return result


def prepare_apps(folder):
    """Our app and the bare one, each with a SQLite database at head."""
    ours = App("lesson", SERVER_DIR, database_url=f"sqlite:///{Path(folder) / 'lesson.db'}")
    ours.flask("db", "upgrade")
    bare_folder = Path(folder) / "bare_app"
    bare_folder.mkdir()
    (bare_folder / "app.py").write_text(BARE_APP)
    bare = App("bare", bare_folder)
    for args in (("db", "init"), ("db", "migrate", "-m", "one table"), ("db", "upgrade")):
        bare.flask(*args)
    return ours, bare


def time_cli(folder, runs, say, count_instructions=False):
    """Wall times of `flask db current` for both apps, their ratios, and the extra imports.

    With `count_instructions`, also the instructions each run executes (when
    valgrind is on PATH), and their ratio.
    """
    ours, bare = prepare_apps(folder)
    times = {ours.name: [], bare.name: []}
    for run in range(runs):
        say(f"flask db current, run {run + 1} of {runs}")
        # In turns, and each first every other time, so a busy moment hits both alike.
        for app in (ours, bare) if run % 2 == 0 else (bare, ours):
            start = time.perf_counter()
            app.flask("db", "current")
            times[app.name].append(time.perf_counter() - start)
    say("python -X importtime -m flask db current")
    imports = {app.name: import_times(app, IMPORTTIME_RUNS) for app in (ours, bare)}
    best = {name: min(samples) for name, samples in times.items()}
    median = {name: statistics.median(samples) for name, samples in times.items()}
    instructions = None
    if count_instructions and shutil.which("valgrind"):
        say("valgrind --tool=callgrind flask db current (about a minute)")
        instructions = {app.name: instructions_run(app) for app in (ours, bare)}
    elif count_instructions:
        say("valgrind is not on PATH: instructions are not counted")
    return {
        "runs": runs,
        "seconds": best,
        "ratio": best[ours.name] / best[bare.name],
        "median_seconds": median,
        "median_ratio": median[ours.name] / median[bare.name],
        "instructions": instructions,
        "instruction_ratio": instructions and instructions[ours.name] / instructions[bare.name],
        "import_seconds": {name: total_self(found) for name, found in imports.items()},
        "extra_imports": extra_imports(imports[ours.name], imports[bare.name]),
    }


def instructions_run(app):
    """The instructions one `flask db current` executes, as callgrind counts them."""
    wrapper = ("valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null")
    counted = re.search(r"Collected : (\d+)", app.flask("db", "current", wrapper=wrapper).stderr)
    if counted is None:
        raise BenchError(f"callgrind printed no instruction count for the {app.name} app")
    return int(counted.group(1))


def import_times(app, runs):
    """{module: Imported}, each module's time the best of `runs`."""
    best = {}
    for _ in range(runs):
        result = app.flask("db", "current", python_options=("-X", "importtime"))
        for module, entry in parse_importtime(result.stderr).items():
            if module not in best or entry.cumulative_us < best[module].cumulative_us:
                best[module] = entry
    return best


def parse_importtime(stderr):
    """Read `-X importtime` output into {module: Imported}.

    Each line is `import time: self | cumulative | <indent>module`. A module
    is printed after everything it imported, which are indented two spaces
    more; read backwards, the lines are a tree walked top-down.
    """
    found = {}
    open_parents = []  # (depth, module) from the root down to the line before
    for line in reversed(stderr.splitlines()):
        if not line.startswith("import time:") or "imported package" in line:
            continue
        self_us, cumulative_us, name = line[len("import time:"):].split("|")
        depth = (len(name) - len(name.lstrip())) // 2
        while open_parents and open_parents[-1][0] >= depth:
            open_parents.pop()
        parent = open_parents[-1][1] if open_parents else None
        found[name.strip()] = Imported(int(self_us), int(cumulative_us), parent)
        open_parents.append((depth, name.strip()))
    return found


def total_self(found):
    """Seconds spent importing, all modules together."""
    return sum(entry.self_us for entry in found.values()) / 1e6


def extra_imports(ours, bare, limit=10):
    """What only our app imports, grouped under the top-most such module, costliest first.

    Each group's time is the self time of the modules that only we import:
    a module that the bare app loads too (flask_sqlalchemy under `models`,
    say) is not counted against us.
    """
    extra = ours.keys() - bare.keys()
    groups = {}
    for module in extra:
        top = module
        while ours[top].parent in extra:
            top = ours[top].parent
        groups[top] = groups.get(top, 0) + ours[module].self_us
    costliest = sorted(groups.items(), key=lambda item: item[1], reverse=True)
    return [{"module": name, "seconds": us / 1e6} for name, us in costliest[:limit]]
