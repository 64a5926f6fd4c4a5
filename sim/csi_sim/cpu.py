"""Where the CPU goes during a benchmark: seconds per process group, read from /proc (Linux only).

On a machine whose cores are shared by the load generator, the broker, the database and the services, the sum of
their CPU per RO bounds the throughput: `cores / cpu_per_ro` ROs a second at best, however the work is arranged.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

TICK_S = 1 / os.sysconf("SC_CLK_TCK")


def _process_cpu_s(pid: int, *, with_children: bool = False) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    # After the command name: state is field 3, so utime/stime/cutime/cstime (fields 14-17) sit at 11-14 here.
    ticks = int(fields[11]) + int(fields[12])
    if with_children:
        ticks += int(fields[13]) + int(fields[14])  # exited and reaped children, e.g. closed database backends
    return ticks * TICK_S


def _pids_named(name: str) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == name:
                    out.append(int(entry.name))
            except OSError:
                continue
    return out


def _machine_busy_s() -> float:
    cpu = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(v) for v in cpu[:8])
    return (user + nice + system + irq + softirq + steal) * TICK_S


class CpuMeter:
    """CPU seconds used between `start()` and `stop()` by named groups of processes, and by the whole machine."""

    def __init__(self, groups: dict[str, Callable[[], float]]) -> None:
        self.groups = groups
        self._start: dict[str, float] = {}
        self.used: dict[str, float] = {}
        self.wall_s = 0.0

    @staticmethod
    def of_pid(pid: int) -> Callable[[], float]:
        return lambda: _process_cpu_s(pid)

    @staticmethod
    def of_this_process() -> Callable[[], float]:
        return time.process_time

    @staticmethod
    def of_postgres() -> Callable[[], float]:
        """Every PostgreSQL process on the machine (the benchmark's databases are the only busy ones)."""
        return lambda: sum(_process_cpu_s(pid, with_children=True) for pid in _pids_named("postgres"))

    def _read(self) -> dict[str, float]:
        return {"machine": _machine_busy_s(), **{name: read() for name, read in self.groups.items()}}

    def start(self) -> None:
        self._start = self._read()
        self._t0 = time.perf_counter()

    def stop(self) -> dict[str, float]:
        end = self._read()
        self.wall_s = time.perf_counter() - self._t0
        self.used = {name: end[name] - self._start[name] for name in end}
        self.used["other"] = max(0.0, self.used["machine"] - sum(v for k, v in self.used.items() if k != "machine"))
        return self.used
