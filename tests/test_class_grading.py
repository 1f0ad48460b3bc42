"""`pipenv run grade-class`: a whole class graded in one command, each copy isolated.

The class is built with the grading kit's own test cases (test_grading_kit.py):
three correct copies with other ids and layouts, five wrong ones (one of
them trying to grade itself with a conftest.py), one whose migration sleeps
forever, a folder that is not a lesson and a broken archive, as folders, a
.zip, a .tar.gz and a git bundle. The real command grades them (`--jobs 2
--timeout 5`; 30 with servers) on SQLite and every server in
TEST_DATABASE_URLS, MySQL and MariaDB as advisory servers; every CSV row
must give the points the kit's cases say, with a column per engine, the
learners' files must be byte-for-byte untouched, and no database may be
left on a server.
"""
import csv
import hashlib
import io
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tarfile
import uuid
import xml.etree.ElementTree as ElementTree
import zipfile
from concurrent.futures import Future
from pathlib import Path

import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

from class_grading.cli import row_of
from class_grading.copies import Submission
from class_grading.databases import database_names
from class_grading.runner import GraderError
from helpers.grading_outputs import junit_points
from helpers.paths import REPO_DIR
from test_grading_kit import CORRECT, FAKE_PASS, WRONG, edited, upgrade
from testing.backends import backends_under_test

# Seconds one copy may take on SQLite: a correct copy's run takes about one (its checks,
# forked from a preloaded process), so the sleeper is the only copy that meets it.
TIMEOUT = 5
SLEEPER_NAME = "a-sleeper"  # sorts before "alice"
HEADINGS = ("step 1", "step 2", "step 3", "step 4", "models.py")
CASES = {case.name: case for case in CORRECT + WRONG}
# The grader names its databases <GRADING_DATABASE_PREFIX><batch><copy>_<database>; this
# module's runs have a prefix of their own, so that other runs of the grader on the same
# servers (another test process, another checkout's tests) are not counted.
RUN_PREFIX = f"lesson_t{uuid.uuid4().hex[:8]}_"
GRADER_DATABASE = re.compile(rf"^{RUN_PREFIX}[0-9a-f]{{12}}_[0-9a-f]{{12}}$")
# Copies as learners hand them in: (row name, kit test case, how it is handed in).
CLASS = [
    ("alice", "this repository with its own revision ids", "folder"),
    ("bob", "a fork of the original lesson", "tar.gz"),
    ("carol", "graded in pytest's importlib import mode, without a pytest.ini", "bundle"),
    ("dave", "step 3 as autogenerate wrote it: create and drop", "zip"),
    ("erin", "step 4 as autogenerate wrote it: add and drop", "folder"),
    ("frank", "halfway through the lesson", "folder"),
    ("grace", "a syntax error in step 2", "folder"),
    ("mallory", FAKE_PASS.name, "folder"),
]
# It sleeps on a server when one is listed, so that a database is there when it is killed.
SLEEPER = edited(upgrade(2, "import os, time",
                         "if op.get_bind().dialect.name != 'sqlite' "
                         "or not os.environ.get('TEST_DATABASE_URLS'):",
                         "    while True:", "        time.sleep(1)",
                         "op.create_table('department', sa.Column('id', sa.Integer(), "
                         "primary_key=True))"))


def grade_class_command():
    """The Pipfile's `grade-class` script, with this environment's Python."""
    program, *args = shlex.split(tomllib.loads((REPO_DIR / "Pipfile").read_text())["scripts"]
                                 ["grade-class"])
    assert program == "python", f"expected `python ...`: {program}"
    return [sys.executable, *args]


def run_command(*args, env=None):
    return subprocess.run([*grade_class_command(), *map(str, args)], cwd=REPO_DIR,
                          capture_output=True, text=True, env=env, timeout=600)


def advisory_mysql_env():
    """The listed servers as the class is graded: MySQL and MariaDB advisory, the rest graded."""
    servers = backends_under_test()[1:]
    env = {key: value for key, value in os.environ.items()
           if key not in ("TEST_DATABASE_URLS", "ADVISORY_DATABASE_URLS")}
    env["TEST_DATABASE_URLS"] = ",".join(b.server_url for b in servers if not b.is_mysql)
    env["ADVISORY_DATABASE_URLS"] = ",".join(b.server_url for b in servers if b.is_mysql)
    env["GRADING_DATABASE_PREFIX"] = RUN_PREFIX
    return env


def hand_in(source, how, folder, name):
    """`source` (a copy's top folder) as a learner hands it in, in `folder`: its path there."""
    if how == "folder":
        return Path(shutil.move(source, folder / name))
    if how == "zip":
        target = folder / f"{name}.zip"
        with zipfile.ZipFile(target, "w") as archive:
            for path in sorted(source.rglob("*")):
                archive.write(path, path.relative_to(source))
        return target
    if how == "tar.gz":  # as GitHub packs one: everything in a top folder
        target = folder / f"{name}.tar.gz"
        with tarfile.open(target, "w:gz") as archive:
            archive.add(source, arcname=f"{name}-main")
        return target
    target = folder / f"{name}.bundle"
    git = ["git", "-c", "user.name=Learner", "-c", "user.email=learner@example.com"]
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "lesson"],
                    ["bundle", "create", "-q", str(target), "--all"]):
        subprocess.run([*git, *command], cwd=source, check=True, capture_output=True)
    return target


def fingerprint(folder):
    """{path: (sha256 or "dir", mtime_ns)} of everything under `folder`, itself included."""
    found = {".": ("dir", folder.stat().st_mtime_ns)}
    for path in folder.rglob("*"):
        content = "dir" if path.is_dir() else hashlib.sha256(path.read_bytes()).hexdigest()
        found[str(path.relative_to(folder))] = (content, path.lstat().st_mtime_ns)
    return found


def grader_databases(backends):
    return {backend.name: {name for name in database_names(backend)
                           if GRADER_DATABASE.match(name)} for backend in backends}


# One copy on SQLite and a server makes about ten databases there, and PostgreSQL takes a
# quarter of a second or more for each CREATE DATABASE: with both servers and the rest of the
# suite running, a correct copy took up to 6 s (2026-12-02, this 2-core machine). With servers
# listed, the time limit is 30 s (15 s timed out a correct copy on a CI run with two
# workers per CPU, 2026-12-08), and the sleeper must hit it.
TIMEOUT_WITH_SERVERS = 30


@pytest.fixture(scope="session")  # once per worker, however xdist interleaves the modules
def learners_class(tmp_path_factory):
    """The class folder, as the learners handed their copies in."""
    build = tmp_path_factory.mktemp("build")
    folder = tmp_path_factory.mktemp("class")
    for name, case_name, how in CLASS:
        hand_in(CASES[case_name].build(build / name, None).root, how, folder, name)
    # First in the class's order, so its wait for the time limit overlaps the others' grading.
    hand_in(SLEEPER(build / SLEEPER_NAME, None).root, "folder", folder, SLEEPER_NAME)
    (folder / "notes" / "week1").mkdir(parents=True)
    (folder / "notes" / "week1" / "todo.txt").write_text("rename the table\n")
    whole = (folder / "dave.zip").read_bytes()
    (folder / "broken.tar.gz").write_bytes(b"\x1f\x8b\x08\x00" + whole[100:300])
    return folder


@pytest.fixture(scope="session")
def graded_class(learners_class, tmp_path_factory):
    """The command's run on the class with every engine listed: its results."""
    backends = backends_under_test()
    timeout = TIMEOUT_WITH_SERVERS if backends[1:] else TIMEOUT
    before = fingerprint(learners_class)
    databases_before = grader_databases(backends[1:])
    out = tmp_path_factory.mktemp("out")
    result = run_command(learners_class, "--jobs", 2, "--timeout", timeout,
                         "--csv", out / "grades.csv", "--junit", out / "junit",
                         env=advisory_mysql_env())
    rows = {}
    if (out / "grades.csv").exists():
        with open(out / "grades.csv", newline="") as file:
            rows = {row["name"]: row for row in csv.DictReader(file)}
    return {"result": result, "rows": rows, "junit": out / "junit",
            "backends": backends, "timeout": timeout,
            "untouched": before == fingerprint(learners_class),
            "databases_before": databases_before,
            "databases_after": grader_databases(backends[1:])}


FORK = "a fork of the original lesson"
# The original lesson writes String without a length, which MariaDB and MySQL refuse.
FORK_ON_MYSQL = {"step 1": "MySQL and MariaDB need a length: write String(255)",
                 "step 2": "not reached: step 1 failed first", "step 3": "as step 2",
                 "step 4": "as step 2", "models.py": "MySQL and MariaDB need a length"}


def expected_reasons(case, backend):
    """{heading: words} for every point the kit's test case says `case` loses on `backend`."""
    failing = FORK_ON_MYSQL if case.name == FORK and backend.is_mysql else case.failing
    return {heading: failing[heading].strip("()") for heading in HEADINGS if heading in failing}


def engine_heading(backend):
    return f"{backend.name} (advisory)" if backend.is_mysql else backend.name


def test_a_class_is_graded(graded_class):
    """One test for the one run of the command (each pytest-xdist worker would run it again
    for a test of its own): points and reasons, time-outs, JUnit, nothing changed or left."""
    every_copy_gets_its_points_and_first_reasons(graded_class)
    the_sleeper_times_out_and_others_are_explained(graded_class)
    one_junit_file_per_copy(graded_class)
    learners_files_are_untouched_and_no_database_is_left(graded_class)


def every_copy_gets_its_points_and_first_reasons(graded_class):
    result, rows = graded_class["result"], graded_class["rows"]
    assert result.returncode == 0, result.stderr
    names = [name for name, _, _ in CLASS] + [SLEEPER_NAME, "notes", "broken"]
    assert sorted(rows) == sorted(names), result.stdout
    for name, case_name, _ in CLASS:
        case, row = CASES[case_name], rows[name]
        assert row["status"] == "graded", row
        lost = {}
        for backend in graded_class["backends"]:
            lost_there = expected_reasons(case, backend)
            assert row[engine_heading(backend)] == f"{5 - len(lost_there)}/5", (name, row)
            if not backend.is_mysql:  # advisory: it costs nothing
                lost = lost_there | lost
        points = {heading: int(heading not in lost) for heading in HEADINGS}
        assert {heading: int(row[heading]) for heading in HEADINGS} == points, (name, row)
        assert int(row["total"]) == sum(points.values()) and row["out of"] == "5", row
        reasons = row["reasons"].split(" | ")
        assert len(reasons) >= len(lost), row
        for (heading, words), why in zip(lost.items(), reasons[:len(lost)], strict=True):
            assert re.match(rf"{re.escape(heading)}( \(\w+\))?: ", why), (name, heading, why)
            assert words in why, (name, heading, why)
        if case.name == FORK and any(b.is_mysql for b in graded_class["backends"]):
            assert "step 1 (mysql, advisory): step 1 failed: MySQL and MariaDB need a length" in (
                row["reasons"]), row
        if "history" in case.failing:
            assert "history: The migration history is not the lesson's" in row["reasons"], row
            assert case.failing["history"] in row["reasons"], row
    lines = result.stdout.splitlines()
    engines = [engine_heading(b) for b in graded_class["backends"]][:len(
        graded_class["backends"]) if len(graded_class["backends"]) > 1 else 0]
    assert re.split(r"\s\s+", lines[0]) == ["copy", *HEADINGS, "total", *engines,
                                          "first reason per lost point"], result.stdout
    assert lines[-1] == f"{len(names)} copies: {len(CLASS)} graded, 3 not", result.stdout


def the_sleeper_times_out_and_others_are_explained(graded_class):
    rows = graded_class["rows"]
    sleeper, timeout = rows[SLEEPER_NAME], graded_class["timeout"]
    assert sleeper["status"] == "timed out", sleeper
    assert sleeper["reasons"] == f"timed out after {timeout} s: its processes were ended"
    assert timeout <= float(sleeper["seconds"]) <= timeout + 5, sleeper
    assert rows["notes"]["status"] == "not a lesson", rows["notes"]
    assert "no server/migrations folder" in rows["notes"]["reasons"], rows["notes"]
    assert rows["broken"]["status"] == "unreadable", rows["broken"]
    assert "not a readable tar archive" in rows["broken"]["reasons"], rows["broken"]
    for name in (SLEEPER_NAME, "notes", "broken"):
        assert int(rows[name]["total"]) == 0, rows[name]


def one_junit_file_per_copy(graded_class):
    """The kit's JUnit for a graded copy, named after it; one failed case for one that was not."""
    files = {path.stem: path for path in graded_class["junit"].glob("*.xml")}
    assert sorted(files) == sorted(graded_class["rows"]), sorted(files)
    for name, row in graded_class["rows"].items():
        xml = files[name].read_bytes()
        assert ElementTree.fromstring(xml).find("testsuite").get("name") == name
        if row["status"] == "graded":
            assert junit_points(xml, 5) == int(row["total"]), (name, row)
        else:
            assert junit_points(xml, 5) == 0, (name, xml)
    failure = ElementTree.parse(files[SLEEPER_NAME]).find(".//failure")
    assert failure.get("message").startswith("timed out after"), failure.attrib


def learners_files_are_untouched_and_no_database_is_left(graded_class):
    assert graded_class["untouched"], "a learner's file or folder changed"
    # A server database the grader made for a copy is dropped, the sleeper's included.
    for backend, names in graded_class["databases_after"].items():
        left = names - graded_class["databases_before"][backend]
        assert not left, f"left on {backend}: {sorted(left)}"


def test_archives_that_would_write_outside_are_refused(tmp_path):
    outside = tmp_path / "evil.txt"
    with zipfile.ZipFile(tmp_path / "zipped.zip", "w") as archive:
        archive.writestr("../../evil.txt", "x")
    with tarfile.open(tmp_path / "tarred.tar.gz", "w:gz") as archive:
        info = tarfile.TarInfo("../../evil.txt")
        archive.addfile(info)
    out = tmp_path / "grades.csv"
    result = run_command(tmp_path / "zipped.zip", tmp_path / "tarred.tar.gz", "--csv", out)
    assert result.returncode == 0, result.stderr
    with open(out, newline="") as file:
        rows = {row["name"]: row for row in csv.DictReader(file)}
    for name in ("zipped", "tarred"):
        assert rows[name]["status"] == "unreadable", rows[name]
        assert "refused" in rows[name]["reasons"], rows[name]
    assert not outside.exists() and not (tmp_path.parent / "evil.txt").exists()


@pytest.mark.parametrize("args, words", [
    (("/no/such/class",), "'/no/such/class' does not exist"),
    (("--jobs", "0", "."), "--jobs"),
    (("--csv", "/no/such/folder/grades.csv", "."), "the folder /no/such/folder does not exist"),
], ids=["no such path", "no jobs", "csv folder missing"])
def test_bad_input_is_one_line_and_non_zero(args, words):
    result = run_command(*args)
    assert result.returncode == 2, result
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("Error: "), result.stderr
    assert words in result.stderr, result.stderr


def test_a_server_that_cannot_be_reached_stops_the_grader(tmp_path):
    env = dict(os.environ, TEST_DATABASE_URLS="postgresql+psycopg://nobody@/x?host=/nonexistent")
    (tmp_path / "alice" / "server" / "migrations").mkdir(parents=True)
    result = run_command(tmp_path, env=env)
    assert result.returncode == 1, result
    assert result.stderr.startswith("Error: TEST_DATABASE_URLS lists postgresql, which cannot "
                                    "be reached"), result.stderr
    assert result.stderr.count("\n") == 1, result.stderr


def test_a_path_that_is_no_class_is_one_line(tmp_path):
    """A folder with neither a copy nor an entry that could be one (a checkout's docs, say),
    and a file that is no archive: one line, exit code 2, nothing graded."""
    (tmp_path / "project" / "docs").mkdir(parents=True)
    (tmp_path / "project" / "Pipfile").write_text("[packages]\n")
    (tmp_path / "notes.txt").write_text("rename the table\n")
    for path, words in ((tmp_path / "project", "is neither a copy of the lesson (it has no "
                                                "server/migrations) nor a folder of copies"),
                        (tmp_path / "notes.txt", "is neither a copy of the lesson nor a folder "
                                                 "of copies: a file")):
        result = run_command(path)
        assert result.returncode == 2, result
        assert result.stderr.count("\n") == 1 and result.stderr.startswith("Error: "), result
        assert words in result.stderr and result.stdout == "", result


def windows_zip(source, target, top):
    """`source` zipped as Windows PowerShell 5's Compress-Archive does: backslashes in names."""
    with zipfile.ZipFile(target, "w") as archive:
        for path in sorted(source.rglob("*")):
            if path.is_file():
                name = "\\".join((top, *path.relative_to(source).parts))
                archive.writestr(name, path.read_bytes())


def lesson_skeleton(root):
    """Just enough of a copy to be taken for one: the refusals come before any grading."""
    (root / "server" / "migrations" / "versions").mkdir(parents=True)
    return root


# Limits of the hostile class's run: a real copy unpacks to well under both.
MAX_MB, MAX_FILES = 2, 500


@pytest.fixture(scope="module")
def hostile_class(tmp_path_factory):
    """A class that tries to leave its folders, and the run of the command on it."""
    base = tmp_path_factory.mktemp("hostile")
    instructor = base / "instructor"  # an instructor's checkout, beside the class
    (instructor / "server" / "testing").mkdir(parents=True)
    (instructor / "server" / "migrations").mkdir()
    (instructor / "server" / "testing" / "grades.py").write_text("POINTS = 1\n")
    (instructor / "solution.py").write_text("op.rename_table('department', 'departments')\n")
    folder = base / "class"
    folder.mkdir()
    (lesson_skeleton(folder / "linked") / "server").rename(folder / "linked-server")
    (folder / "linked" / "server").symlink_to(instructor / "server")  # the kit would go there
    (folder / "linked-server").rename(base / "unused")
    peek = lesson_skeleton(folder / "peek")
    (peek / "server" / "models.py").symlink_to(os.path.relpath(instructor / "solution.py",
                                                               peek / "server"))
    (folder / "elsewhere").symlink_to(instructor)
    built = CASES["this repository with its own revision ids"].build(base / "build" / "win", None)
    windows_zip(built.root, folder / "win.zip", "win-main")
    with zipfile.ZipFile(folder / "bomb.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("bomb/server/migrations/versions/.keep", "")
        with archive.open("bomb/server/zeros", "w") as zeros:
            for _ in range(MAX_MB + 1):
                zeros.write(bytes(1024 * 1024))
    with zipfile.ZipFile(folder / "many.zip", "w") as archive:
        for number in range(MAX_FILES + 1):
            archive.writestr(f"many/server/migrations/versions/{number}.py", "")
    with tarfile.open(folder / "tarbomb.tar.gz", "w:gz") as archive:
        info = tarfile.TarInfo("tarbomb/server/zeros")
        info.size = (MAX_MB + 1) * 1024 * 1024
        archive.addfile(info, io.BytesIO(bytes(info.size)))
    bundled = lesson_skeleton(base / "bundled")
    (bundled / "server" / "models.py").symlink_to(instructor / "solution.py")
    hand_in(bundled, "bundle", folder, "bundled")
    before = {"class": fingerprint(folder), "instructor": fingerprint(instructor)}
    out = base / "out"
    out.mkdir()
    env = {key: value for key, value in os.environ.items()
           if key not in ("TEST_DATABASE_URLS", "ADVISORY_DATABASE_URLS")}
    result = run_command(folder, "--jobs", 2, "--timeout", TIMEOUT, "--csv", out / "grades.csv",
                         "--max-size", MAX_MB, "--max-files", MAX_FILES, env=env)
    rows = {}
    if (out / "grades.csv").exists():
        with open(out / "grades.csv", newline="") as file:
            rows = {row["name"]: row for row in csv.DictReader(file)}
    return {"result": result, "rows": rows,
            "class untouched": before["class"] == fingerprint(folder),
            "instructor untouched": before["instructor"] == fingerprint(instructor)}


def test_a_hostile_class_stays_in_its_folders(hostile_class):
    """Links out of a copy are refused (a folder, a class entry, a git bundle), a PowerShell zip
    is graded, bombs stop at the limits; every copy has its row and nothing outside changed."""
    result, rows = hostile_class["result"], hostile_class["rows"]
    assert result.returncode == 0, result.stderr
    assert sorted(rows) == ["bomb", "bundled", "elsewhere", "linked", "many", "peek",
                            "tarbomb", "win"], result.stdout
    for name, words in (("linked", "refused: link outside the copy: server leads to"),
                        ("peek", "refused: link outside the copy: server/models.py leads to"),
                        ("bundled", "refused: link outside the copy: server/models.py"),
                        ("elsewhere", "refused: link outside its folder"),
                        ("bomb", f"refused: more than {MAX_MB} MB unpacked (--max-size)"),
                        ("tarbomb", f"refused: more than {MAX_MB} MB unpacked (--max-size)"),
                        ("many", f"refused: more than {MAX_FILES} files (--max-files)")):
        assert rows[name]["status"] == "refused", rows[name]
        assert rows[name]["reasons"].startswith(words), rows[name]
        assert rows[name]["total"] == "0", rows[name]
    assert rows["win"]["status"] == "graded" and rows["win"]["total"] == "5", rows["win"]
    assert hostile_class["instructor untouched"], "the instructor's checkout changed"
    assert hostile_class["class untouched"], "a learner's file or folder changed"


def test_a_copy_that_breaks_the_grader_gets_a_row_of_its_own():
    """Whatever a copy makes go wrong in grading it (here: its results.json is not JSON) is
    said in its row; the class goes on. A grader that cannot run at all still stops."""
    future = Future()
    try:
        json.loads("{not json")
    except json.JSONDecodeError as error:
        future.set_exception(error)
    row = row_of(future, Submission("mallory", Path("mallory")))
    assert (row.name, row.status, row.total) == ("mallory", "not finished", 0), row
    assert row.reasons == ["the grader failed on this copy: Expecting property name enclosed in "
                           "double quotes: line 1 column 2 (char 1)"], row.reasons
    stopped = Future()
    stopped.set_exception(GraderError("cannot start Python for the kit"))
    with pytest.raises(GraderError):
        row_of(stopped, Submission("alice", Path("alice")))
