"""When each cycle starts: every INTERVAL from the first, one at a time. A cycle that takes
longer than the interval makes the next start late (as soon as it ends, never beside it), and
the schedule goes on from that start; no missed slot is made up by cycles back to back."""
from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass
from typing import Callable

UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
INTERVAL = re.compile(r"([0-9]{1,6}(?:\.[0-9]{1,3})?)([smhd]?)")
SHORTEST, LONGEST = 1.0, 86400.0


def interval(text: str) -> float:
    """'5m', '30s', '1h', '90' (seconds) as seconds; ValueError saying what is accepted."""
    found = INTERVAL.fullmatch(str(text).strip().lower())
    if not found:
        raise ValueError("give a number of seconds, or one with s, m, h or d after it (30s, 5m, 1h)")
    seconds = float(found[1]) * UNITS[found[2]]
    if not SHORTEST <= seconds <= LONGEST:
        raise ValueError("give an interval of 1 s to 1 day")
    return seconds


@dataclass
class Start:
    """One cycle's start: its number, when it was due and when it began (monotonic seconds),
    and how late it is."""
    number: int
    due: float
    began: float

    @property
    def late(self) -> float:
        return max(0.0, self.began - self.due)


class Schedule:
    """Runs `cycle(start)` every `every` seconds until `stop` is set or `cycles` have run.
    `clock` and the stop event's wait are the only time it reads: a self-test may give both."""

    # A start this much after its due time is on time (waking from a wait is never exact).
    ON_TIME = 0.5

    def __init__(self, every: float, cycle: Callable[[Start], None], stop: threading.Event,
                 cycles: int | None = None, log: Callable[[str], None] = print,
                 clock: Callable[[], float] = time.monotonic):
        self.every, self.cycle, self.stop, self.cycles = every, cycle, stop, cycles
        self.log, self.clock = log, clock
        self.started: list[Start] = []

    def run(self) -> None:
        due = self.clock()
        number = 0
        while not self.stop.is_set() and (self.cycles is None or number < self.cycles):
            wait = due - self.clock()
            if wait > 0 and self.stop.wait(wait):
                break
            number += 1
            start = Start(number, due, self.clock())
            if start.late > self.ON_TIME:
                self.log(f"infocheck watch: cycle {number} starts {start.late:.1f} s late: the one "
                         f"before took longer than the interval ({self.every:g} s); cycles never overlap")
                due = start.began   # the schedule goes on from here: no cycles back to back
            self.started.append(start)
            self.cycle(start)      # the only place a cycle runs: the next cannot start before it ends
            due += self.every
