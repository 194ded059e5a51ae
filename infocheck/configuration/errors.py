"""The error every piece of configuration raises for a value it cannot take (exit 4): declared
below the knob table and the endpoint's URL, which both raise it."""
from __future__ import annotations


class ConfigError(Exception):
    """A knob has a bad value; the message names the knob and says what is wrong."""
