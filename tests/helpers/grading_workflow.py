"""The GitHub Classroom workflow (.github/workflows/classroom.yml), read as Actions reads it.

No YAML library is locked, so this reads the part of YAML the workflow uses:
block mappings and sequences by indentation, `key: value` scalars, plain or
quoted, and comments. Anything else fails the reading with the line.
"""
import re
import shlex
from dataclasses import dataclass

from helpers.paths import REPO_DIR

WORKFLOW = REPO_DIR / ".github" / "workflows" / "classroom.yml"
COMMAND_GRADER = "classroom-resources/autograding-command-grader@v1"
REPORTER = "classroom-resources/autograding-grading-reporter@v1"
# What the command grader passes to its command (its src/main.js), and nothing else.
GRADER_ENV = ("PATH", "HOME")
ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
KEY = re.compile(r"""^('[^']*'|"[^"]*"|[^'"\s][^:]*):(\s|$)""")


@dataclass(frozen=True)
class GraderStep:
    id: str
    name: str
    command: str
    max_score: int
    timeout: float

    def split(self):
        """({VARIABLE: value} set inline before the program, [program, args...])."""
        words = shlex.split(self.command)
        env = {}
        while words and ASSIGNMENT.match(words[0]):
            key, _, value = words.pop(0).partition("=")
            env[key] = value
        return env, words


def scalar(text):
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


def parse(lines, start, indent):
    """(value, next line index) of the block at `indent` starting at lines[start]."""
    if lines[start][1].startswith("- "):
        items, index = [], start
        while index < len(lines) and lines[index][0] == indent and lines[index][1].startswith("- "):
            rest = lines[index][1][2:]
            if KEY.match(rest):
                lines[index] = (indent + 2, rest)  # a mapping whose first key shares the dash
                value, index = parse(lines, index, indent + 2)
            else:
                value, index = scalar(rest), index + 1
            items.append(value)
        return items, index
    mapping, index = {}, start
    while index < len(lines) and lines[index][0] == indent:
        found = KEY.match(lines[index][1])
        assert found, f"not `key: value`: {lines[index][1]!r}"
        key, rest = found.group(1), lines[index][1][found.end():]
        if rest.strip():
            mapping[scalar(key)], index = scalar(rest), index + 1
        elif index + 1 < len(lines) and lines[index + 1][0] >= indent and (
                lines[index + 1][0] > indent or lines[index + 1][1].startswith("- ")):
            mapping[scalar(key)], index = parse(lines, index + 1, lines[index + 1][0])
        else:
            mapping[scalar(key)], index = None, index + 1
    return mapping, index


def read_workflow(path=WORKFLOW):
    lines = [(len(raw) - len(raw.lstrip(" ")), raw.strip())
             for raw in path.read_text().splitlines()
             if raw.strip() and not raw.lstrip().startswith("#")]
    value, end = parse(lines, 0, 0)
    assert end == len(lines), f"unread from line {lines[end]}"
    return value


def grader_steps(workflow):
    """Every command grader step of the workflow's one job, in order."""
    (job,) = workflow["jobs"].values()
    return [GraderStep(step["id"], step["with"]["test-name"], step["with"]["command"],
                       int(step["with"]["max-score"]), float(step["with"]["timeout"]))
            for step in job["steps"] if step.get("uses") == COMMAND_GRADER]
