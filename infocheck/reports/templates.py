"""The HTML infocheck writes itself comes from the Jinja2 templates beside this module, rendered
with autoescaping on: a value from an endpoint, a file or a team reaches a page only escaped."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from markupsafe import Markup

COLOURS = {"passed": "#1a7f37", "failed": "#cf222e", "finding": "#9a6700", "waived": "#8250df",
           "not tested": "#57606a", "skipped": "#8c959f", "not checked": "#bf8700",
           "not run": "#d0d7de", "ignored": "#afb8c1"}
BANNER = {"CONFORMANT": "#1a7f37", "NOT CONFORMANT": "#cf222e", "COULD NOT TEST": "#9a6700"}
GREY = "#57606a"


@lru_cache(maxsize=None)
def environment():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(loader=FileSystemLoader(str(Path(__file__).resolve().parent / "templates")),
                      autoescape=True, undefined=StrictUndefined, trim_blocks=True,
                      lstrip_blocks=True, keep_trailing_newline=False)
    env.filters["colour"] = lambda verdict: COLOURS.get(str(verdict), GREY)
    env.filters["banner_colour"] = lambda verdict: BANNER.get(str(verdict), GREY)
    return env


def render(template: str, **values) -> str:
    return environment().get_template(template).render(**values)


def markup(html: str) -> Markup:
    """HTML that a template made (a chart): inserted as is into another."""
    return Markup(html)
