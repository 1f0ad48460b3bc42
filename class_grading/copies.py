"""Learners' copies: found in the given paths, and unpacked into a private folder to be graded.

A copy is a folder, a .zip, a .tar.gz (or .tgz, .tar) or a git bundle. A
folder that is not itself a copy of the lesson holds a class: each of its
entries is a copy. The learner's files are only ever read: every copy is
graded in a private folder, and archives are unpacked only inside it.

Every copy is hostile input. Unpacking stops at a size and a file count
(Limits), a name that would land outside the folder is refused, and so is
a copy holding a symbolic link that leads outside it (the kit is put into
the copy, and a `server` link to an instructor's checkout would have it
written there). Zips made by Windows PowerShell 5 (backslashes in their
names) unpack as their folders.
"""
import os
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
REFUSED = "refused"
MEGABYTE = 1024 * 1024
CHUNK = MEGABYTE


@dataclass(frozen=True)
class Limits:
    """How much one copy may unpack to: bytes of its files, and how many files."""

    max_bytes: int = 100 * MEGABYTE
    max_files: int = 10_000

    def check(self, files, size):
        if files > self.max_files:
            raise NotGradable(REFUSED, f"refused: more than {self.max_files} files "
                                       "(--max-files)")
        if size > self.max_bytes:
            raise NotGradable(REFUSED, f"refused: more than {self.max_bytes // MEGABYTE} MB "
                                       "unpacked (--max-size)")


@dataclass(frozen=True)
class Submission:
    name: str  # the row's name: the folder's, or the archive's without its suffix
    path: Path
    limits: Limits = Limits()


class NotAClass(Exception):
    """A PATH that is neither a copy of the lesson nor a folder of copies; the message says so."""


class NotGradable(Exception):
    """A copy that cannot be graded at all; `status` for the row, the message says why."""

    def __init__(self, status, reason):
        super().__init__(reason)
        self.status = status


def is_lesson(root):
    return (Path(root) / "server" / "migrations").is_dir()


def find_submissions(paths, limits=Limits()):
    """Every copy in `paths`, in order, each with a name of its own; NotAClass for a PATH that
    is neither a copy nor a folder holding one."""
    found = []
    for path in paths:
        path = Path(path)
        if path.is_dir() and not is_lesson(path):
            entries = [entry for entry in sorted(path.iterdir()) if not entry.name.startswith(".")]
            if not any(looks_like_copy(entry) for entry in entries):
                raise NotAClass(f"{path} is neither a copy of the lesson (it has no "
                                "server/migrations) nor a folder of copies (none of its entries "
                                "is a copy, a .zip, a .tar.gz or a git bundle)")
            found += entries
        elif path.is_file() and not is_archive(path):
            raise NotAClass(f"{path} is neither a copy of the lesson nor a folder of copies: "
                            "a file, not a .zip, a .tar.gz or a git bundle")
        else:
            found.append(path.resolve())  # the instructor's own link, if it is one, is followed
    named, taken = [], set()
    for path in found:
        name = base_name(Path(os.path.abspath(path)))  # a link is named as the link
        if name in taken:
            name = path.name if path.name not in taken else str(path)
        taken.add(name)
        named.append(Submission(name, path, limits))
    return named


def looks_like_copy(entry):
    """True for a class folder's entry that is, or may hold, a copy of the lesson."""
    if entry.is_dir():
        return is_lesson(entry) or any(is_lesson(inside) for inside in entry.iterdir()
                                       if inside.is_dir())
    return is_archive(entry)


def is_archive(path):
    return path.name.lower().endswith(ARCHIVE_SUFFIXES) or has_bundle_signature(path)


def base_name(path):
    for suffix in ARCHIVE_SUFFIXES:
        if path.is_file() and path.name.lower().endswith(suffix) and path.name != suffix:
            return path.name[:-len(suffix)]
    return path.name


def unpack(submission, destination):
    """Copy or unpack `submission` into the new folder `destination`: the copy's top folder.

    NotGradable, with the row's words, for anything that cannot be graded.
    """
    try:
        return unpacked(submission, Path(destination))
    except NotGradable:
        raise
    except (OSError, ValueError, RecursionError, UnicodeError) as error:  # what a file can cause
        raise NotGradable(UNREADABLE, f"cannot be unpacked: {one_line(error)}") from None


def unpacked(submission, destination):
    path, limits = submission.path, submission.limits
    if path.is_symlink() and not is_inside(path.resolve(), path.parent.resolve()):
        raise NotGradable(REFUSED, f"refused: link outside its folder, to {os.readlink(path)}")
    if path.is_dir():
        limits.check(*measure(path))
        try:
            shutil.copytree(path, destination, symlinks=True, ignore=NOT_COPIED)
        except (shutil.Error, OSError) as error:
            raise NotGradable(UNREADABLE, f"the folder cannot be read: {one_line(error)}") from None
    elif path.name.lower().endswith(".zip"):
        unzip(path, destination, limits)
    elif path.name.lower().endswith((".tar.gz", ".tgz", ".tar")):
        untar(path, destination, limits)
    elif path.name.lower().endswith(".bundle") or has_bundle_signature(path):
        clone_bundle(path, destination)
        limits.check(*measure(destination))
    else:
        raise NotGradable(NOT_A_LESSON, "a file, not a folder, a .zip, a .tar.gz or a git bundle")
    refuse_links_outside(destination)
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


def measure(folder):
    """(files, bytes) under `folder` as it is copied (NOT_COPIED left out), links not followed."""
    files = size = 0
    for top, folders, names in os.walk(folder):
        ignored = NOT_COPIED(top, folders + names)
        folders[:] = [name for name in folders if name not in ignored]
        for name in names:
            if name not in ignored:
                files += 1
                size += os.lstat(os.path.join(top, name)).st_size
    return files, size


def is_inside(path, folder):
    return path == folder or folder in path.parents


def refuse_links_outside(destination):
    """NotGradable if a symbolic link in the copy leads outside it (dangling ones too)."""
    top = Path(os.path.realpath(destination))
    for folder, folders, names in os.walk(destination):
        for name in folders + names:
            link = Path(folder) / name
            if link.is_symlink() and not is_inside(Path(os.path.realpath(link)), top):
                shown = link.relative_to(destination).as_posix()
                raise NotGradable(REFUSED, f"refused: link outside the copy: {shown} leads to "
                                           f"{os.readlink(link)}")


def zip_member_path(name):
    """A zip entry's path inside the copy, backslashes read as folders (PowerShell 5's
    Compress-Archive writes them), or None for one that would land outside it."""
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if name.startswith(("/", "\\")) or ".." in parts or ":" in name:
        return None
    return PurePosixPath(*parts) if parts else None


def unzip(path, destination, limits):
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            files = [info for info in members if not info.filename.endswith(("/", "\\"))]
            limits.check(len(files), sum(info.file_size for info in files))
            for info in members:
                if zip_member_path(info.filename) is None and info.filename.strip("/\\"):
                    raise NotGradable(UNREADABLE, f"refused: the archive would write "
                                                  f"{info.filename!r} outside its folder")
            destination.mkdir()
            written = 0
            for info in members:
                inside = zip_member_path(info.filename)
                if inside is None:
                    continue
                target = destination.joinpath(*inside.parts)
                if info.filename.endswith(("/", "\\")):
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(info) as source, open(target, "wb") as copy:
                    while chunk := source.read(CHUNK):  # what it holds, not what it declares
                        written += len(chunk)
                        limits.check(0, written)
                        copy.write(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as error:
        raise NotGradable(UNREADABLE, f"not a readable zip archive: {one_line(error)}") from None


def untar(path, destination, limits):
    try:
        with tarfile.open(path) as archive:
            files = size = 0
            for member in archive:  # read one at a time: a bomb is refused before it is unpacked
                if member.isfile():
                    files, size = files + 1, size + member.size
                    limits.check(files, size)
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
