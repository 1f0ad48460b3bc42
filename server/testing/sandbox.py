"""A sandbox made by a forked process for itself, with what Linux gives.

The kit runs a copy's models.py and migrations in forks of its own process
(learner_process.py), and grade-class runs each copy's kit in forks of its
preloaded process (class_grading/preloaded_kit.py); running them under a
tool such as bubblewrap would mean a new Python each time, importing the
libraries again. So the fork makes its own sandbox, with the kernel's
calls, before any of the copy's code runs:

- new user, mount and PID namespaces: the run holds no privilege over the
  machine, even when the grader runs as root;
- in its mount namespace every file system is read-only but the copy's
  temporary folder (writes, renames, chmod and touch elsewhere fail);
- its first process in the PID namespace runs the kit, with a /proc that
  shows the run's processes alone: when that process ends, however it
  ends, the kernel ends every process in the namespace, those in a new
  session or behind a double fork included;
- the kit itself then runs in a user namespace of its own, nested, so that
  nothing it starts can remount what was made read-only;
- a limit on the memory each process may map (RLIMIT_AS).

The network is shared: the servers in TEST_DATABASE_URLS stay reachable,
by TCP and by their Unix sockets. Python 3.10 and 3.11 have no os.unshare,
so the calls go to libc through ctypes. Where the kernel refuses (no user
namespaces, not Linux), problem() says why in one line and runs go without.
"""
import ctypes
import errno
import os
import resource
import signal
import tempfile

CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWPID = 0x00020000, 0x10000000, 0x20000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 0x1, 0x2, 0x4, 0x8
MS_REMOUNT, MS_NOATIME, MS_NODIRATIME, MS_BIND = 0x20, 0x400, 0x800, 0x1000
MS_REC, MS_PRIVATE, MS_RELATIME, MS_STRICTATIME = 0x4000, 0x40000, 0x200000, 0x1000000
PR_SET_PDEATHSIG = 1
# The flags a read-only remount must keep: the kernel locks them in a user namespace.
KEPT_FLAGS = {os.ST_NOSUID: MS_NOSUID, os.ST_NODEV: MS_NODEV, os.ST_NOEXEC: MS_NOEXEC,
              os.ST_NOATIME: MS_NOATIME, os.ST_NODIRATIME: MS_NODIRATIME,
              os.ST_RELATIME: MS_RELATIME} if hasattr(os, "ST_RELATIME") else {}
MEMORY_LIMIT = 4 * 1024 ** 3  # bytes of address space per process: far above a kit run's


class SandboxError(OSError):
    """The kernel refused a step of the sandbox; the message says which, in one line."""


def libc():
    return ctypes.CDLL(None, use_errno=True)


def call(what, result):
    if result != 0:
        number = ctypes.get_errno()
        raise SandboxError(number, f"{what}: {os.strerror(number)}")


def enter(writable, memory_limit=MEMORY_LIMIT):
    """Confine this process (a fork, single-threaded) so that it writes only under `writable`.

    Returns in the kit's process, the first of a new PID namespace; the
    process that called it stays outside, waits for that one, and exits as it did.
    """
    lib = libc()
    uid, gid = os.geteuid(), os.getegid()
    call("unshare", lib.unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID))
    map_ids(uid, gid)
    call("mount --make-rprivate /", lib.mount(None, b"/", None, MS_REC | MS_PRIVATE, None))
    writable = os.path.realpath(writable)
    call(f"mount --bind {writable}", lib.mount(writable.encode(), writable.encode(), None,
                                                MS_BIND | MS_REC, None))
    for point in mount_points():
        if point != writable and not point.startswith(writable + "/"):
            remount_read_only(lib, point)
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})  # until outside() handles it
    kit = os.fork()
    if kit:
        outside(kit)
    call("prctl", lib.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0))
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
    # A /proc of this PID namespace: it shows the run's processes alone, and takes the maps.
    call("mount -t proc", lib.mount(b"proc", b"/proc", b"proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
                                    None))
    call("unshare", lib.unshare(CLONE_NEWUSER))
    map_ids(uid, gid)
    resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))


def outside(kit):
    """Wait for the kit's process, then end as it ended (its namespace is empty by then).

    SIGTERM (the grader's, at the time limit) kills the kit's process, so that this one ends
    only once every process of the run has ended: the kernel empties a PID namespace before
    its first process can be waited for.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, lambda signum, frame: os.kill(kit, signal.SIGKILL))
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
    _, status = os.waitpid(kit, 0)
    code = os.waitstatus_to_exitcode(status)
    if code < 0:
        signal.signal(-code, signal.SIG_DFL)
        os.kill(os.getpid(), -code)
    os._exit(code)


def map_ids(uid, gid):
    """Inside the new user namespace, be who we were outside it, and nobody else."""
    for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"),
                       ("gid_map", f"{gid} {gid} 1")):
        try:
            with open(f"/proc/self/{name}", "w") as file:
                file.write(text)
        except FileNotFoundError:  # a kernel without /proc/self/setgroups
            continue
        except OSError as error:
            raise SandboxError(error.errno, f"writing /proc/self/{name}: "
                                            f"{os.strerror(error.errno)}") from None


def mount_points():
    """Every mount point of this mount namespace (mountinfo escapes spaces and the like)."""
    with open("/proc/self/mountinfo", "rb") as file:
        fields = [line.split()[4] for line in file]
    return [field.decode("unicode_escape").encode("latin-1").decode() for field in fields]


def remount_read_only(lib, point):
    try:
        flags = os.statvfs(point).f_flag
    except OSError:  # hidden under another mount, or out of reach: not writable from here
        return
    kept = sum(ms for st, ms in KEPT_FLAGS.items() if flags & st)
    if not flags & (os.ST_NOATIME | os.ST_RELATIME):
        kept |= MS_STRICTATIME
    result = lib.mount(None, point.encode(), None, MS_REMOUNT | MS_BIND | MS_RDONLY | kept, None)
    if result != 0 and ctypes.get_errno() not in (errno.ENOENT, errno.EACCES):
        call(f"mount -o remount,ro {point}", result)


def problem():
    """None when runs can be sandboxed here; otherwise why not, in one line."""
    if not hasattr(os, "fork") or not os.path.exists("/proc/self/mountinfo"):
        return "this system has no Linux namespaces"
    with tempfile.TemporaryDirectory(prefix="grade-class-probe-") as folder:
        reader, writer = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(reader)
            try:
                enter(folder)
                os._exit(0)
            except BaseException as error:  # noqa: BLE001 - said in one line, to the grader
                os.write(writer, str(error).encode())
                os._exit(1)
        os.close(writer)
        with os.fdopen(reader, "rb") as pipe:
            said = pipe.read().decode(errors="replace").strip()
        _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) == 0:
        return None
    return said or f"the sandbox's probe ended with status {status}"
