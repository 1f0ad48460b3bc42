"""Learners' copies: found in the given paths, and unpacked into a private folder to be graded.

A copy is a folder, a .zip, a .tar.gz (or .tgz, .tar) or a git bundle. A
folder that is not itself a copy of the lesson holds a class: each of its
entries is a copy. The learner's files are only ever read: every copy is
graded in a private folder, and archives are unpacked only inside it.
"""
import shutil
import subprocess
import tarfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".tar", ".zip", ".bundle")
BUNDLE_SIGNATURES = (b"# v2 git bundle", b"# v3 git bundle")
# What a run or an editor leaves in a folder, and never part of grading.
NOT_COPIED = shutil.ignore_patterns(".git", "__pycache__", ".pytest_cache", ".venv", "venv",
                                    "node_modules", "instance", "*.db", "*.pyc")

NOT_A_LESSON = "not a lesson"
UNREADABLE = "unreadable"


@dataclass(frozen=True)
class Submission:
    name: str  # the row's name: the folder's, or the archive's without its suffix
    path: Path


class NotGradable(Exception):
    """A copy that cannot be graded at all; `status` for the row, the message says why."""

    def __init__(self, status, reason):
        super().__init__(reason)
        self.status = status


def is_lesson(root):
    return (Path(root) / "server" / "migrations").is_dir()


def find_submissions(paths):
    """Every copy in `paths`, in order, each with a name of its own."""
    found = []
    for path in paths:
        path = Path(path)
        if path.is_dir() and not is_lesson(path):
            found += [entry for entry in sorted(path.iterdir()) if not entry.name.startswith(".")]
        else:
            found.append(path)
    named, taken = [], set()
    for path in found:
        name = base_name(path.resolve())
        if name in taken:
            name = path.name if path.name not in taken else str(path)
        taken.add(name)
        named.append(Submission(name, path))
    return named


def base_name(path):
    for suffix in ARCHIVE_SUFFIXES:
        if path.is_file() and path.name.lower().endswith(suffix) and path.name != suffix:
            return path.name[:-len(suffix)]
    return path.name


def unpack(submission, destination):
    """Copy or unpack `submission` into the new folder `destination`: the copy's top folder."""
    path, destination = submission.path, Path(destination)
    if path.is_dir():
        try:
            shutil.copytree(path, destination, symlinks=True, ignore=NOT_COPIED)
        except (shutil.Error, OSError) as error:
            raise NotGradable(UNREADABLE, f"the folder cannot be read: {one_line(error)}") from None
    elif path.name.lower().endswith(".zip"):
        unzip(path, destination)
    elif path.name.lower().endswith((".tar.gz", ".tgz", ".tar")):
        untar(path, destination)
    elif path.name.lower().endswith(".bundle") or has_bundle_signature(path):
        clone_bundle(path, destination)
    else:
        raise NotGradable(NOT_A_LESSON, "a file, not a folder, a .zip, a .tar.gz or a git bundle")
    root = lesson_root(destination)
    if root is None:
        raise NotGradable(NOT_A_LESSON, "no server/migrations folder: not a copy of the lesson")
    return root


def lesson_root(folder):
    """`folder` if it is a copy, or its one subfolder that is (GitHub's zips add one)."""
    if is_lesson(folder):
        return folder
    inside = [entry for entry in folder.iterdir() if entry.is_dir()] if folder.is_dir() else []
    return inside[0] if len(inside) == 1 and is_lesson(inside[0]) else None


def unzip(path, destination):
    try:
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                parts = PurePosixPath(name.replace("\\", "/")).parts
                if name.startswith(("/", "\\")) or ".." in parts or ":" in name:
                    raise NotGradable(UNREADABLE, f"refused: the archive would write {name!r} "
                                                  "outside its folder")
            archive.extractall(destination)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as error:
        raise NotGradable(UNREADABLE, f"not a readable zip archive: {one_line(error)}") from None


def untar(path, destination):
    try:
        with tarfile.open(path) as archive:
            archive.extractall(destination, filter="data")  # refuses ../, absolute paths, devices
    except tarfile.FilterError as error:
        raise NotGradable(UNREADABLE, f"refused: {one_line(error)}") from None
    except (tarfile.TarError, zlib.error, EOFError, OSError) as error:
        raise NotGradable(UNREADABLE, f"not a readable tar archive: {one_line(error)}") from None


def has_bundle_signature(path):
    try:
        with open(path, "rb") as file:
            return file.read(16).startswith(BUNDLE_SIGNATURES)
    except OSError:
        return False


def clone_bundle(path, destination):
    git = shutil.which("git")
    if git is None:
        raise NotGradable(UNREADABLE, "a git bundle, and git is not installed here")
    done = subprocess.run([git, "clone", "--quiet", "--", str(path.resolve()), str(destination)],
                          capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        raise NotGradable(UNREADABLE, f"not a readable git bundle: {one_line(done.stderr)}")


def one_line(error):
    text = " ".join(str(error).split())
    return text or type(error).__name__
