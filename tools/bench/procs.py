"""Resident memory and CPU time of a process and all its descendants, read from /proc (Linux).

RSS is what the issue asks for; it counts pages shared between forked Sanic
workers once per process, so PSS (shared pages split between the processes
sharing them) is kept beside it as the honest total for a process tree.
"""

import os
from typing import Dict, List

TICKS = os.sysconf("SC_CLK_TCK")


def _stat_fields(stat: str) -> List[str]:
    """Fields of /proc/PID/stat from the state on (field 3); the command name may hold spaces and ")"."""
    return stat.rsplit(")", 1)[1].split()


def _children() -> Dict[int, List[int]]:
    children: Dict[int, List[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue  # exited meanwhile
        ppid = int(_stat_fields(stat)[1])
        children.setdefault(ppid, []).append(int(entry))
    return children


def process_tree(pid: int) -> List[int]:
    """pid and all its descendants."""
    children = _children()
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(children.get(current, []))
    return tree


def _kb_field(path: str, field: str) -> int:
    try:
        with open(path) as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def tree_memory(pid: int) -> Dict[str, int]:
    """{'rss': bytes, 'pss': bytes, 'processes': n} summed over pid and its descendants."""
    pids = process_tree(pid)
    return {
        "rss": sum(_kb_field(f"/proc/{p}/status", "VmRSS") for p in pids),
        "pss": sum(_kb_field(f"/proc/{p}/smaps_rollup", "Pss") for p in pids),
        "processes": len(pids),
    }


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds used so far by pid and its live descendants."""
    total = 0
    for p in process_tree(pid):
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = _stat_fields(f.read())
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / TICKS


def machine_cpu_seconds() -> Dict[str, float]:
    """{'busy': s, 'total': s} summed over all CPUs since boot, from /proc/stat."""
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    total = sum(values[:8])  # guest time is already in user
    return {"busy": (total - idle) / TICKS, "total": total / TICKS}
