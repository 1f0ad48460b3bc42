"""How long one call takes, and how much memory the process held at its peak.

The peak is the process's resident set (RSS). On Linux the high-water mark
can be reset before each call (/proc/self/clear_refs), so the figure belongs
to that call; elsewhere it is the peak since the bench started.
"""
import sys
import time
from dataclasses import dataclass

try:
    import resource
except ImportError:  # Windows
    resource = None

CLEAR_REFS = "/proc/self/clear_refs"
STATUS = "/proc/self/status"


@dataclass(frozen=True)
class Sample:
    seconds: float
    peak_rss: int  # bytes


def measure(call):
    """Run `call()` once and return its Sample."""
    _reset_peak_rss()
    start = time.perf_counter()
    call()
    seconds = time.perf_counter() - start
    return Sample(seconds, _peak_rss())


def _reset_peak_rss():
    try:
        with open(CLEAR_REFS, "w") as clear_refs:
            clear_refs.write("5")  # 5: reset the peak RSS (Linux 4.0+)
    except OSError:
        pass


def _peak_rss():
    try:
        with open(STATUS) as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    if resource is None:
        return 0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024  # macOS counts bytes, Linux KiB
