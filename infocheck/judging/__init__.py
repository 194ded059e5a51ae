"""Judging, from outcomes alone: the outcome types, the requirement catalogue and a team's policy
and waivers, `settle` (what a failed check counts as) and `judge` (the exit code)."""
