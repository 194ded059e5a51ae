"""Where a reason infocheck stops with has its entry in docs/troubleshooting.md, and the one
place its link is written.

A reason that has an entry is made a `Reason`: the text as before (a `str`, so everything that
prints, stores or compares it is unchanged) and the entry's anchor as data (`topic`), set where
the reason is made, never read back out of its words. `linked` is the one place a COULD NOT
TEST reason or a usage error gets its link; the code that formats a run's stop or a
configuration's usage error calls it.

The link is the page on the project's public home at the tag of this version (HOME, the same
home the docs' recipes install from), since a user of the installed wheel has no docs/ folder
and the entry of the version they run is the one that describes what it printed."""
from __future__ import annotations

from infocheck import __version__

HOME = "https://github.com/your-org/infocheck"
PAGE = "docs/troubleshooting.md"

# topic -> the heading of its entry in docs/troubleshooting.md (tests/test_troubleshooting.py
# checks every one is a heading there, and that the page's anchor is the topic).
TOPICS = {
    "info-appended": "/info appended",
    "wrong-base": "Wrong base",
    "no-answer": "No answer",
    "credential-refused": "Credential refused",
    "no-key-given": "No key given",
    "deployment-needed": "Deployment needed",
}


class Reason(str):
    """A reason's text, with the troubleshooting entry it has (`topic`, a key of TOPICS)."""

    topic: str

    def __new__(cls, text: str, topic: str):
        if topic not in TOPICS:
            raise ValueError(f"no troubleshooting entry {topic!r}")
        made = super().__new__(cls, text)
        made.topic = topic
        return made

    def __reduce__(self):
        return type(self), (str(self), self.topic)


def topic_of(reason) -> str:
    """The entry of a reason (a Reason, or an exception made with one), or ''."""
    if isinstance(reason, BaseException):
        reason = reason.args[0] if reason.args else ""
    return reason.topic if isinstance(reason, Reason) else ""


def url(topic: str) -> str:
    return f"{HOME}/blob/v{__version__}/{PAGE}#{topic}"


def linked(said, topic: str = "") -> str:
    """What was said (a reason, or the exception a usage error is), ended with the link to its
    entry when it has one (`topic`, or the Reason's)."""
    topic = topic or topic_of(said)
    text = str(said)
    return f"{text} (troubleshooting: {url(topic)})" if topic else text
