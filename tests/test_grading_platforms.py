"""Every platform's recipe gives the kit's points, in the kit's words, and a copy cannot fake them.

GitHub Classroom: the workflow (.github/workflows/classroom.yml) is read as
Actions reads it, and each grader step's command is run as the command
grader runs it: with PATH, HOME and FORCE_COLOR alone, plus what the command
sets inline. Gradescope: the autograder zip is built with the command in
docs/grading.md and its run_autograder run on a submission. CodeGrade: the
recipe's commands are run and the JUnit XML read as CodeGrade reads it. A
correct copy, a step-3 drop/create copy and a half-done copy get the same
points from every output; a copy that tries to grade itself (a conftest.py
turning failures into passes, ini options, a pytest.py) loses the step it
did not do by every route.

The workflow's commands, results.json and JUnit of the copies run in forks
of grade-class's preloaded process (helpers/grading_runner.py); the
platforms' exact commands, whose processes are what is tested, run for real.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from concurrent.futures import ThreadPoolExecutor

import pytest

from helpers.grading_outputs import codegrade_cases, junit_points, results_points
from helpers.grading_runner import shared_runner
from helpers.grading_workflow import (
    COMMAND_GRADER,
    GRADER_ENV,
    REPORTER,
    grader_steps,
    read_workflow,
)
from helpers.learner_copies import kit_env
from helpers.paths import REPO_DIR
from test_grading_kit import CORRECT, FAKE_PASS, WRONG
from testing.backends import backends_under_test, with_driver
from testing.points import POINTS

DOCS = REPO_DIR / "docs" / "grading.md"
TOTAL = sum(POINTS.values())
CASES = {case.name: case for case in CORRECT + WRONG}
# (kit case, the points every output must give it)
COPIES = {
    "correct": (CASES["this repository with its own revision ids"], 5),
    "step 3 drop/create": (CASES["step 3 as autogenerate wrote it: create and drop"], 4),
    "half-done": (CASES["halfway through the lesson"], 2),
}
PLATFORM_TIMEOUT = 300  # seconds; a hung command fails its test instead of the suite


def doc_command(start):
    """The line of docs/grading.md that starts with `start`: the command as instructors read it."""
    found = [line.strip() for line in DOCS.read_text().splitlines()
             if line.strip().startswith(start)]
    assert found, f"docs/grading.md has no command starting {start!r}"
    return found[0]


def shell(command, cwd, env, **placeholders):
    """Run `command` with sh, as a platform does, its /path/to/... placeholders filled in."""
    for placeholder, value in placeholders.items():
        command = command.replace(placeholder, str(value))
    return subprocess.run(["/bin/sh", "-c", command], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=PLATFORM_TIMEOUT)


def grader_env():
    """All the command grader passes to its command (autograding-command-grader's main.js)."""
    return {**{name: os.environ[name] for name in GRADER_ENV}, "FORCE_COLOR": "true"}


def local_servers(inline):
    """The workflow's inline server lists with this machine's servers of the same kind in place
    of Actions' service containers (none where this run lists none of that kind)."""
    here = {backend.server_url.split("+")[0].split(":")[0]: backend.server_url
            for backend in reversed(backends_under_test()[1:])}
    env = {}
    for variable, urls in inline.items():
        kinds = [with_driver(url).split("+")[0].split(":")[0] for url in urls.split(",")]
        mapped = [here[kind] for kind in kinds if kind in here]
        if mapped:
            env[variable] = ",".join(mapped)
    return env


def build(case, folder):
    return case.build(folder / "c", None)


def with_locked_packages(copy):
    """What the workflow's install step leaves: the locked packages in .venv (this one's)."""
    (copy.root / ".venv").symlink_to(sys.prefix)
    copy.install_kit()
    return copy


def test_the_workflow_is_in_github_classrooms_form():
    workflow = read_workflow()
    assert "push" in workflow["on"] and workflow["permissions"]["checks"] == "write"
    (job,) = workflow["jobs"].values()
    steps = job["steps"]
    assert steps[0]["uses"].startswith("actions/checkout@")
    install = next(step for step in steps if "run" in step)
    assert "pipenv sync --dev" in install["run"] and "PIPENV_VENV_IN_PROJECT=1" in install["run"]
    graders = grader_steps(workflow)
    parts = [step.split()[1][2:] for step in graders]
    assert parts == [["--only", str(part)] for part in POINTS], parts
    assert {step.name: step.max_score for step in graders} == {
        (f"step {part}" if isinstance(part, int) else part): points
        for part, points in POINTS.items()}
    assert all(step.timeout > 0 for step in graders)
    for step in graders:
        inline, argv = step.split()
        assert argv[:2] == [".venv/bin/python", "server/testing/grade.py"], step.command
        assert set(inline) == {"TEST_DATABASE_URLS", "ADVISORY_DATABASE_URLS"}, step.command
    reporter = steps[-1]
    assert reporter["uses"] == REPORTER
    ids = [step.id for step in graders]
    assert reporter["with"]["runners"].split(",") == ids
    assert reporter["env"] == {f"{i.upper()}_RESULTS": f"${{{{steps.{i}.outputs.result}}}}"
                               for i in ids}
    assert sum(step.get("uses") == COMMAND_GRADER for step in steps) == len(POINTS)


def grade_with(copy, step):
    """Run a grader step's command in `copy` as the command grader does; its exit code."""
    inline, argv = step.split()
    env = {**grader_env(), **local_servers(inline)}
    return copy.grade(shared_runner(), args=argv[2:], env=env).returncode


@pytest.mark.parametrize("name", COPIES)
def test_the_workflow_results_json_and_junit_give_the_same_points(name, tmp_path):
    case, points = COPIES[name]
    steps = grader_steps(read_workflow())
    copies = [build(case, tmp_path / str(number)) for number in range(len(steps) + 1)]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        codes = list(pool.map(grade_with, copies, steps))
        full = pool.submit(copies[-1].grade, shared_runner(), outputs=True).result()
    assert set(codes) <= {0, 1}, codes
    workflow_points = sum(step.max_score for step, code in zip(steps, codes, strict=False)
                          if code == 0)
    assert workflow_points == points, dict(zip([s.name for s in steps], codes, strict=False))
    assert sum(results_points(full.results.read_text()).values()) == points
    assert junit_points(full.junit.read_bytes(), TOTAL) == points, full.junit.read_text()


def test_a_copy_that_grades_itself_loses_step_3_by_the_workflow(tmp_path):
    """Its conftest.py files, ini options and pytest.py count for nothing in step 3's command
    (its other steps are right: the kit's case shows their points)."""
    step3 = next(step for step in grader_steps(read_workflow()) if step.name == "step 3")
    assert grade_with(build(FAKE_PASS, tmp_path), step3) == 1


def test_a_workflow_command_gets_its_server_urls_inline(tmp_path):
    """With PATH, HOME and FORCE_COLOR alone, the kit reads the servers the command names, graded
    and advisory: it grades on each, or says it could not reach it (Actions' service containers
    are not here, so whether it can depends on this machine's servers)."""
    copy = with_locked_packages(build(CASES["this repository with its own revision ids"], tmp_path))
    step = grader_steps(read_workflow())[0]
    done = shell(step.command, copy.root, grader_env())
    output = done.stdout + done.stderr
    inline = step.split()[0]
    for variable, block in (("TEST_DATABASE_URLS", "postgresql"),
                            ("ADVISORY_DATABASE_URLS", "mysql, advisory")):
        url = re.sub(r":[^:@/]*@", ":***@", inline[variable])
        assert f"{variable} lists {url}" in output or f"scorecard ({block}" in output, output
    assert "grade: " in output, output
def pipenv_env():
    """The environment of an instructor's shell, for a `pipenv run` there.

    Under `pipenv run test`, PIPENV_ACTIVE is set, and a pipenv run inside it would
    ignore the active virtual environment for one of its own, without the packages.
    """
    env = {key: value for key, value in kit_env().items() if key != "PIPENV_ACTIVE"}
    return {**env, "PIPENV_VERBOSITY": "-1"}


def terminal_line(output, step):
    """The scorecard line of `step` as the terminal shows it."""
    return next(line for line in output.splitlines() if line.startswith(f"step {step}  "))


def test_the_drop_in_command_ignores_what_the_copy_configures(tmp_path):
    """`pipenv run grade` in the copy, as docs/grading.md says: the copy's conftest.py files,
    ini options and pytest.py count for nothing, and step 3 is lost. Plain pytest in the same
    copy is fooled: the copy's tricks are real."""
    copy = build(FAKE_PASS, tmp_path)
    fooled = copy.grade(shared_runner(), args=["server/testing", "-p", "no:cacheprovider"],
                        launcher=False)
    assert fooled.returncode == 0, fooled.output
    copy.install_kit()
    env = pipenv_env()
    commands = [doc_command("rm -rf server/testing && cp -r"),
                doc_command("PIPENV_PIPFILE=/path/to/this/repository/Pipfile pipenv run grade")]
    done = shell(" && ".join(commands), copy.root, env, **{"/path/to/this/repository": REPO_DIR})
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "grade: 4/5 points" in output, output
    assert "✗ After step 3" in terminal_line(output, 3), output
    assert "xdist" not in output, "an installed plugin was loaded"


def autograder_layout(folder, submission_case):
    """/autograder as Gradescope lays it out, under `folder`: the zip built by the docs' command
    in source/, run_autograder beside it, the submission (one top folder, as GitHub's), and
    the locked packages that setup.sh installs (this environment's) in venv/."""
    home = folder / "home"
    home.mkdir()
    built = shell(doc_command("python -m zipfile -c ~/autograder.zip"), REPO_DIR,
                  {**kit_env(), "HOME": str(home)})
    assert built.returncode == 0, built.stderr
    autograder = folder / "autograder"
    (autograder / "results").mkdir(parents=True)
    with zipfile.ZipFile(home / "autograder.zip") as archive:
        archive.extractall(autograder / "source")
        for script in ("setup.sh", "run_autograder"):  # executable, as Gradescope's unzip keeps
            mode = archive.getinfo(script).external_attr >> 16
            assert mode & 0o111, f"{script} is not executable in the zip"
            (autograder / "source" / script).chmod(mode)
    shutil.copy2(autograder / "source" / "run_autograder", autograder / "run_autograder")
    (autograder / "venv").symlink_to(sys.prefix)
    submission_case.build(autograder / "submission" / "lesson-main", None)
    return autograder


def test_gradescope_gives_the_points_in_the_learners_words(tmp_path):
    autograder = autograder_layout(tmp_path, FAKE_PASS)
    env = {name: os.environ[name] for name in GRADER_ENV}
    done = subprocess.run([str(autograder / "run_autograder")], env=env, capture_output=True,
                          text=True, timeout=PLATFORM_TIMEOUT)
    assert done.returncode == 0, done.stdout + done.stderr
    results = (autograder / "results" / "results.json").read_text()
    assert results_points(results) == {"1": 1, "2": 1, "3": 0, "4": 1, "models.py": 1}
    step3 = next(test for test in json.loads(results)["tests"]
                 if test["name"].startswith("step 3:"))
    assert step3["output"].splitlines()[0] == terminal_line(done.stdout, 3), step3["output"]
    shutil.rmtree(autograder / "submission" / "lesson-main")
    done = subprocess.run([str(autograder / "run_autograder")], env=env, capture_output=True,
                          text=True, timeout=PLATFORM_TIMEOUT)
    nothing = json.loads((autograder / "results" / "results.json").read_text())
    assert nothing["score"] == 0 and "not a copy of the lesson" in nothing["output"], nothing


def test_codegrade_reads_the_points_and_the_reasons(tmp_path):
    home, fixtures = tmp_path / "home", tmp_path / "fixtures"
    home.mkdir()
    fixtures.mkdir()
    env = {**kit_env(), "HOME": str(home)}
    assert shell(doc_command("python -m zipfile -c ~/kit.zip"), REPO_DIR, env).returncode == 0
    shutil.copy(home / "kit.zip", fixtures)
    unpack = doc_command('cd "$FIXTURES" && python3 -m zipfile -e kit.zip .')
    assert shell(unpack, tmp_path, {**env, "FIXTURES": str(fixtures)}).returncode == 0
    (fixtures / ".venv").symlink_to(sys.prefix)  # what the setup's `pipenv sync --dev` makes
    copy = build(FAKE_PASS, tmp_path)
    junit = tmp_path / "codegrade.xml"
    done = shell(doc_command('rm -rf server/testing && cp -r "$FIXTURES/testing"'), copy.root,
                 {**env, "FIXTURES": str(fixtures), "CG_JUNIT_XML_LOCATION": str(junit)})
    assert done.returncode == 1, done.stdout + done.stderr
    assert junit_points(junit.read_bytes(), TOTAL) == 4
    (lost,) = [case for case in codegrade_cases(junit.read_bytes()) if case[2] == "failure"]
    assert lost[0] == "step 3" and lost[3] == terminal_line(done.stdout, 3), lost


@pytest.mark.parametrize("args, words", [
    (["--only", "7"], "--only takes one of 1, 2, 3, 4, models.py, not '7'"),
    (["--gradescope=/no/such/folder/results.json"], "--gradescope: the folder /no/such/folder "
                                                    "does not exist"),
    (["--junitxml", "/no/such/folder/kit.xml"], "--junitxml: the folder /no/such/folder does not "
                                                "exist"),
], ids=["no such part", "gradescope folder missing", "junit folder missing"])
def test_bad_input_to_the_launcher_is_one_line_and_non_zero(args, words):
    done = subprocess.run([sys.executable, "server/testing/grade.py", *args], cwd=REPO_DIR,
                          capture_output=True, text=True, timeout=PLATFORM_TIMEOUT)
    assert done.returncode == 2, done
    assert done.stderr == f"grade.py: {words}\n", done.stderr
