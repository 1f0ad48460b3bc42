"""A copy's code can never write its own grade, on any route (issue 22).

Every hostile copy here has the honest work of a learner halfway through
the lesson (steps 1 and 2: 2 of 5 points) plus attacks from the issue:
models.py patching the kit's modules, a process left behind to rewrite the
outputs after the kit writes them, an edit of the instructor's kit found
through PIPENV_PIPFILE and a .pth file planted in the grader's environment,
a server/flask_migrate.py standing in for the library, a crafted
conftest.py (top, tests/, a folder named like the copy), a migration file
name that is not UTF-8 with control characters in its message: all in one
copy, which must get exactly its 2 points. Then `os._exit(0)` in models.py
and in a migration, a models.py that never ends and one that takes 5 GiB,
each alone. They are graded through the kit's launcher (`python
server/testing/grade.py`, what `pipenv run grade` runs; in the sandbox,
and as `nobody`), a class through grade-class, Gradescope's run_autograder
and plain pytest: no copy gets more than its 2 points, every output is the
kit's own, valid, and free of control characters, and the instructor's kit
and the environment are unchanged. An honest full repository at the top of
a Gradescope submission keeps 5/5.
"""
import csv
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import time
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from helpers.grading_outputs import results_points
from helpers.learner_copies import KIT_DIR, LearnerCopy, kit_env
from helpers.paths import REPO_DIR
from test_class_grading import run_command
from test_grading_kit import FAKE_PASS_CONFTEST, only_two_steps
from test_grading_platforms import autograder_layout

HONEST = {"1": 1, "2": 1, "3": 0, "4": 0, "models.py": 0}
TIMEOUT = 120
PLANTED = "zz_planted_by_a_copy.pth"
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")

PATCH_THE_KIT = """
import sys
for _name, _module in list(sys.modules.items()):
    if _name.endswith("scorecard") and hasattr(_module, "Scorecard"):
        _record, _check = _module.Scorecard.record, _module.Check
        def _passed(self, check, _record=_record, _check=_check):
            _record(self, _check(check.name, check.backend, check.group, True))
        _module.Scorecard.record = _passed
"""
# A process of its own, out of the kit's session, that overwrites every output it can find
# with full marks, for ten seconds after the kit has written them.
REWRITER = r"""
import glob, json, os, sys, time
names = sys.argv[1:]
end = time.time() + 10
while time.time() < end:
    for path in names:
        try:
            if os.path.exists(path) and b"rewritten" not in open(path, "rb").read():
                text = (json.dumps({"score": 5.0, "output": "rewritten", "tests": []})
                        if path.endswith(".json") else
                        '<testsuites><testsuite name="rewritten"/></testsuites>')
                open(path, "w").write(text)
        except OSError:
            pass
    time.sleep(0.02)
"""
REWRITE_THE_OUTPUTS = f"""
import os, subprocess, sys
_args = open("/proc/self/cmdline", "rb").read().split(b"\\0")
_outputs = [a.split(b"=", 1)[-1].decode() for a in _args
            if a.startswith((b"--gradescope", b"--junitxml"))]
_here = os.getcwd()
for _up in range(5):
    _outputs += [os.path.join(_here, n) for n in ("results.json", "kit.xml")]
    _here = os.path.dirname(_here)
try:
    subprocess.Popen([sys.executable, "-c", {REWRITER!r}, *_outputs], start_new_session=True,
                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                     stderr=subprocess.DEVNULL)
except OSError:  # as `nobody`, Python itself may be out of reach
    pass
"""
EXIT_ZERO = "\nimport os\nos._exit(0)\n"
EDIT_THE_KIT = f"""
import os, sysconfig
_pipfile = os.environ.get("PIPENV_PIPFILE")
if _pipfile:
    _grades = os.path.join(os.path.dirname(_pipfile), "server", "testing", "grades.py")
    try:
        with open(_grades, "a") as _file:
            _file.write("\\n# edited by a copy\\n")
    except OSError:
        pass
try:
    with open(os.path.join(sysconfig.get_paths()["purelib"], {PLANTED!r}), "w") as _file:
        _file.write("# planted by a copy\\n")
except OSError:
    pass
"""
LOOP = "\nwhile True:\n    pass\n"
FIVE_GIB = "\n_taken = bytearray(5 * 2**30)\n"


def halfway(folder):
    """A copy with steps 1 and 2 done: the honest work every hostile copy here has."""
    copy = LearnerCopy.of_this_repository(folder)
    only_two_steps(copy)
    return copy


def add_to_models(text):
    def attack(copy):
        models = copy.server / "models.py"
        models.write_text(models.read_text() + text)
    return attack


def shadow_flask_migrate(copy):
    (copy.server / "flask_migrate.py").write_text(EXIT_ZERO)


def exit_in_a_migration(copy):
    copy.edit_script(2, "def upgrade():\n", "def upgrade():\n    import os\n    os._exit(0)\n")


# A conftest.py that turns failures into passes, and patches the kit's scorecard once pytest
# is configured (by then the kit's modules are imported, where a conftest of the copy's loads).
CRAFTED_CONFTEST = FAKE_PASS_CONFTEST + f"""

def pytest_configure(config):
    exec({PATCH_THE_KIT!r}, {{}})


def pytest_collection_finish(session):
    exec({PATCH_THE_KIT!r}, {{}})
"""


def conftest_everywhere(copy):
    for folder in (copy.root / "tests", copy.root / copy.root.name, copy.root):
        folder.mkdir(exist_ok=True)
        (folder / "conftest.py").write_text(CRAFTED_CONFTEST)


def unsafe_text(copy):
    """A migration file name that is not UTF-8, and control characters in its message."""
    script = copy.script(2)
    text = script.read_text().replace('"""add Department', '"""add \x1b[2J\x1b[31mDepartment\x07',
                                      1)
    assert "\x1b" in text
    script.unlink()
    name = os.fsencode(script.name).replace(b".py", b"_\xff\xfe.py")
    with open(os.path.join(os.fsencode(script.parent), name), "w") as file:
        file.write(text)


# Each attack alone fails the tests below on the kit before issue 22 (checked by hand, one
# copy per attack). Those that let the run go on are graded together, in one copy, to keep
# the suite fast: any one of them that worked would show.
QUIET_ATTACKS = {
    "patch-the-kit": add_to_models(PATCH_THE_KIT),
    "rewrite-the-outputs": add_to_models(REWRITE_THE_OUTPUTS),
    "edit-the-kit": add_to_models(EDIT_THE_KIT),
    "shadow-flask-migrate": shadow_flask_migrate,
    "crafted-conftest": conftest_everywhere,
    "unsafe-text": unsafe_text,
}
CODE_ATTACKS = [name for name in QUIET_ATTACKS if name != "crafted-conftest"]
ATTACKS = {
    **QUIET_ATTACKS,
    "all-at-once": lambda copy: [attack(copy) for attack in QUIET_ATTACKS.values()],
    # Plain pytest reads what the copy configures (docs/grading.md): its code alone, there.
    "code-at-once": lambda copy: [QUIET_ATTACKS[name](copy) for name in CODE_ATTACKS],
    "exit-zero-in-models": add_to_models(EXIT_ZERO),
    "exit-zero-in-a-migration": exit_in_a_migration,
    "loop": add_to_models(LOOP),
    "five-gib": add_to_models(FIVE_GIB),
}
# What an attack's copy is given in the limits, seconds of its code (GRADING_TIME_LIMIT).
TIME_LIMITS = {"loop": "1.5"}


def hostile(folder, name):
    copy = halfway(folder / name)
    ATTACKS[name](copy)
    return copy


@pytest.fixture(scope="session")
def decoy_checkout(tmp_path_factory):
    """An instructor's checkout the copies are told about (PIPENV_PIPFILE): its kit."""
    folder = tmp_path_factory.mktemp("instructor")
    shutil.copy(REPO_DIR / "Pipfile", folder)
    shutil.copytree(KIT_DIR, folder / "server" / "testing",
                    ignore=shutil.ignore_patterns("__pycache__"))
    return folder


def launcher_env(decoy, attack=None):
    env = kit_env()
    env.update(PIPENV_PIPFILE=str(decoy / "Pipfile"),
               GRADING_TIME_LIMIT=TIME_LIMITS.get(attack, "30"))
    return env


def assert_safe_outputs(results, junit, terminal):
    assert not CONTROL.search(terminal.replace("\n", "")), terminal
    text = results.read_text(encoding="utf-8")
    assert not CONTROL.search(text.replace("\n", "")), text
    json.loads(text)
    ElementTree.fromstring(junit.read_bytes())  # well-formed
    assert not CONTROL.search(junit.read_text(encoding="utf-8").replace("\n", ""))


def assert_environment_untouched(decoy):
    planted = Path(sysconfig.get_paths()["purelib"]) / PLANTED
    was_planted = planted.exists()
    planted.unlink(missing_ok=True)  # never left for the next run, whatever happened
    assert not was_planted, "a copy planted a .pth file in the grader's environment"
    assert "edited by a copy" not in (decoy / "server" / "testing" / "grades.py").read_text()


@pytest.mark.parametrize("attack, confinement", [
    ("all-at-once", "sandbox"), ("all-at-once", "nobody"), ("exit-zero-in-models", "sandbox"),
    ("loop", "sandbox"), ("five-gib", "sandbox")])
def test_the_launcher_gives_a_hostile_copy_no_more_than_its_work(attack, confinement, tmp_path,
                                                                  decoy_checkout):
    """`nobody`: the kit's fallback where the kernel refuses the sandbox and the grader is
    root, as in many graders' containers (learner_process.py)."""
    if confinement == "nobody" and os.geteuid() != 0:
        pytest.fail("the fallback to `nobody` is tested as root")
    copy = hostile(tmp_path, attack)
    copy.install_kit()
    results, junit = tmp_path / "results.json", tmp_path / "kit.xml"
    env = launcher_env(decoy_checkout, attack)
    if confinement == "nobody":
        env["GRADING_CONFINEMENT"] = "nobody"
    started = time.monotonic()
    done = subprocess.run([sys.executable, "server/testing/grade.py", f"--gradescope={results}",
                           "--junitxml", str(junit)], cwd=copy.root, env=env,
                          capture_output=True, timeout=TIMEOUT)
    took = time.monotonic() - started
    terminal = (done.stdout + done.stderr).decode("utf-8")
    time.sleep(0.5)  # a process left behind would rewrite the outputs by now
    assert done.returncode == 1, terminal
    points = results_points(results.read_text(encoding="utf-8"))
    assert sum(points.values()) <= 2 and all(points[p] <= HONEST[p] for p in points), terminal
    assert f"grade: {int(sum(points.values()))}/5 points" in terminal, terminal
    assert_safe_outputs(results, junit, terminal)
    assert_environment_untouched(decoy_checkout)
    if attack in QUIET_ATTACKS or attack.endswith("-at-once"):
        assert points == HONEST, terminal  # the attacks change nothing of the honest work
    if attack == "loop":
        assert "GRADING_TIME_LIMIT" in terminal and took < 60, terminal
    if attack == "five-gib":
        assert "more memory than the 2048 MiB it may use (GRADING_MEMORY_LIMIT)" in terminal
    if attack.startswith("exit-zero"):
        assert "ended its process (exit code 0)" in terminal, terminal


def test_grade_class_gives_a_hostile_class_no_more_than_its_work(tmp_path, decoy_checkout):
    """A class of hostile copies, graded once. The all-at-once copy also has a conftest.py in
    a folder named like itself, as grade-class names the copy."""
    names = ["all-at-once", "exit-zero-in-a-migration"]
    for name in names:
        hostile(tmp_path / "class", name)
    env = launcher_env(decoy_checkout)
    done = run_command(tmp_path / "class", "--jobs", "2", "--csv", tmp_path / "grades.csv",
                       env=env)
    assert done.returncode in (0, 1), done.stderr
    assert not CONTROL.search(done.stdout.replace("\n", "")), done.stdout
    with open(tmp_path / "grades.csv", encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    assert sorted(row["name"] for row in rows) == names, rows
    for row in rows:
        assert row["total"] in ("0", "1", "2"), row
    assert [row["total"] for row in rows if row["name"] == "all-at-once"] == ["2"], rows
    assert_environment_untouched(decoy_checkout)


def test_gradescope_grades_a_full_repository_and_ignores_its_conftest(tmp_path):
    """An honest full repository at the top of submission/ gets 5/5 (its tests/conftest.py
    imports class_grading, which the grader does not have); a crafted tests/conftest.py
    gets the work's 2."""
    class FullRepository:
        @staticmethod
        def build(folder, _):
            shutil.copytree(REPO_DIR, folder, ignore=shutil.ignore_patterns(
                ".git", "__pycache__", "instance", "*.db", ".pytest_cache", ".venv"))

    autograder = autograder_layout(tmp_path, FullRepository)
    full = autograder / "submission" / "lesson-main"
    for path in full.iterdir():  # the repository at the top of submission/, as uploaded
        shutil.move(path, autograder / "submission")
    full.rmdir()
    env = {**kit_env(), "PATH": os.environ["PATH"]}
    results = autograder / "results" / "results.json"
    done = subprocess.run([str(autograder / "run_autograder")], cwd=autograder, env=env,
                          capture_output=True, text=True, timeout=TIMEOUT)
    assert results_points(results.read_text()) == {p: 1 for p in HONEST}, done.stdout

    shutil.rmtree(autograder / "submission")
    hostile(autograder / "submission", "all-at-once")
    done = subprocess.run([str(autograder / "run_autograder")], cwd=autograder, env=env,
                          capture_output=True, text=True, timeout=TIMEOUT)
    assert results_points(results.read_text()) == HONEST, done.stdout


def test_plain_pytest_runs_no_copy_code_in_the_grading_process(tmp_path, decoy_checkout):
    copy = hostile(tmp_path, "code-at-once")
    copy.install_kit()
    done = subprocess.run([sys.executable, "-m", "pytest", "server/testing", "-q",
                           "-p", "no:cacheprovider"], cwd=copy.root,
                          env=launcher_env(decoy_checkout), capture_output=True, text=True,
                          timeout=TIMEOUT)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "grade: 2/5 points" in done.stdout, done.stdout
    assert not CONTROL.search(done.stdout.replace("\n", "")), done.stdout
    assert_environment_untouched(decoy_checkout)
