"""Server CPU read from /proc: user + system time of each server's whole process group.

Each server is started in a session of its own, so its process group holds the gunicorn master
and every worker (or DynamoDB Local's java). CPU seconds, unlike wall time, hold up on a machine
that other work keeps busy: a request costs the same CPU however long it waits for a core.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
_TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")
# Fields of /proc/<pid>/stat after the command name, which is in parentheses and may hold spaces.
_PGRP, _UTIME, _STIME = 2, 11, 12


def _group_ticks(groups: set[int]) -> dict[int, int]:
    ticks = dict.fromkeys(groups, 0)
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # the process ended while we looked
        fields = stat[stat.rindex(")") + 2 :].split()
        group = int(fields[_PGRP])
        if group in ticks:
            ticks[group] += int(fields[_UTIME]) + int(fields[_STIME])
    return ticks


@dataclass(frozen=True)
class CpuSnapshot:
    """CPU seconds each named server's process group has used so far."""

    seconds: dict[str, float]

    def since(self, earlier: CpuSnapshot) -> dict[str, float]:
        return {name: self.seconds[name] - earlier.seconds.get(name, 0.0) for name in self.seconds}


class ServerCpu:
    """Reads the CPU time of named servers, each identified by its process-group leader's pid.

    Processes that exited in between (a worker recycled) take their time with them, so measure
    over windows in which the servers keep running.
    """

    def __init__(self, groups: Mapping[str, int]):
        self._groups = dict(groups)

    def snapshot(self) -> CpuSnapshot:
        ticks = _group_ticks(set(self._groups.values()))
        return CpuSnapshot({name: ticks[group] / _TICKS_PER_SECOND for name, group in self._groups.items()})


def machine_load() -> dict[str, float]:
    """The 1-minute load average and the cores, to say how busy the machine was."""
    one_minute, _, _ = os.getloadavg()
    return {"load_average_1min": round(one_minute, 2), "cores": os.cpu_count() or 0}
