"""`pipenv run grade` prints what the README shows: the scorecard and the grade line (issue 24).

The README's two examples are the real output: the finished lesson (this
repository, through `pipenv run grade` as written), and a copy halfway
through it (through the kit's launcher, the revision ids being the
learner's own). pytest's own report (each check, the failures, the counts)
appears with `-v`.
"""
import re
import subprocess
import sys

from helpers.learner_copies import LearnerCopy, kit_env
from helpers.paths import REPO_DIR
from test_grading_kit import only_two_steps
from test_grading_platforms import doc_command, pipenv_env, shell

README = (REPO_DIR / "README.md").read_text()
EXAMPLES = re.findall(r"```\n(step 1 .*?\ngrade: .*?\n)```", README, re.S)


def test_the_readme_has_both_examples():
    assert len(EXAMPLES) == 2, EXAMPLES
    assert "grade: 5/5" in EXAMPLES[0] and "grade: 2/5" in EXAMPLES[1], EXAMPLES


def test_pipenv_run_grade_prints_the_readmes_scorecard():
    done = shell(doc_command("pipenv run grade"), REPO_DIR, pipenv_env())
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout == EXAMPLES[0], done.stdout
    assert done.stderr == "", done.stderr


def test_halfway_the_scorecard_is_the_readmes_and_v_adds_pytests_report(tmp_path):
    copy = LearnerCopy.of_this_repository(tmp_path / "copy")
    only_two_steps(copy)
    copy.install_kit()
    ids = re.findall(r"^step \d  (\w{12}) ", EXAMPLES[1], re.M)
    ours = [copy.script(step).name.split("_")[0] for step in (1, 2)]
    expected = EXAMPLES[1]
    for theirs, mine in zip(ids, ours, strict=True):
        expected = expected.replace(theirs, mine)
    command = [sys.executable, "server/testing/grade.py"]
    done = subprocess.run(command, cwd=copy.root, env=kit_env(), capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stdout == expected, done.stdout
    verbose = subprocess.run([*command, "-v"], cwd=copy.root, env=kit_env(),
                             capture_output=True, text=True, timeout=120)
    assert verbose.returncode == 1, verbose.stdout + verbose.stderr
    assert re.search(r"^FAILED server/testing/codegrade_test\.py::", verbose.stdout, re.M)
    assert re.search(r"\d+ failed, \d+ passed", verbose.stdout), verbose.stdout
    assert "grade: 2/5 points" in verbose.stdout, verbose.stdout
