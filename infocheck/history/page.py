"""The history's page (a trend of target × time and, per target, requirements × time) and a
target's badge, from the Jinja2 templates every report uses (reports/templates/, autoescaped)."""
from __future__ import annotations

from infocheck.history.answers import age_words
from infocheck.reports.templates import BANNER, GREY, render
from infocheck.wire.printable import printable

SYMBOLS = {"CONFORMANT": "✓", "NOT CONFORMANT": "✗", "COULD NOT TEST": "?", "INTERNAL ERROR": "!",
           "USAGE ERROR": "!", "INTERRUPTED": "!"}


def html(doc: dict) -> str:
    legend = [(verdict, SYMBOLS[verdict]) for verdict in ("CONFORMANT", "NOT CONFORMANT", "COULD NOT TEST",
                                                          "INTERNAL ERROR")]
    return render("history.html.j2", doc=doc, legend=legend, symbols=dict(SYMBOLS),
                  bucket_words=age_words(doc["bucket_seconds"]))


def badge(verdict: str | None, age_seconds: float | None) -> str:
    """The badge's SVG: "infocheck | VERDICT, AGE ago", or "no runs" in grey."""
    label = "infocheck"
    if verdict is None:
        message, colour = "no runs", GREY
    else:
        message = f"{printable(verdict, 40)}, {age_words(age_seconds or 0)} ago"
        colour = BANNER.get(verdict, GREY)
    width = lambda text: 10 + 7 * len(text)   # noqa: E731 - Verdana 11px, near enough
    return render("badge.svg.j2", label=label, message=message, colour=colour,
                  left=width(label), right=width(message)) + "\n"
