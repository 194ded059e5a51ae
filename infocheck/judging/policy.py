"""What a run judges by besides its results: the `Policy` every result is settled under (the
catalogue's levels, the waivers, whether SHOULDs fail, the day). A team's policy file (levels
changed for this gate: MUST, SHOULD or IGNORED) is applied to the catalogue once, where the run's
catalogue is made (judging/catalogue.py: `load`, `apply_policy`)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from infocheck.judging.catalogue import Catalogue


@dataclass(frozen=True)
class Policy:
    """What a run judges by besides the results: each requirement's level (a policy file's
    already applied to the catalogue), whether a SHOULD failure fails, the waivers, the day."""
    catalogue: Catalogue
    waivers: tuple = ()
    fail_on_should: bool = False
    today: dt.date = field(default_factory=dt.date.today)

    def expired(self) -> list:
        return [w for w in self.waivers if w.expired(self.today)]
