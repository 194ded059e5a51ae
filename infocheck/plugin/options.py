"""How infocheck's configuration enters pytest: one option per knob (configuration/knobs.py),
the ini keys, and whether the plugin was asked for at all."""
from __future__ import annotations

from infocheck.configuration.knobs import KNOBS

def add_options(parser) -> None:
    group = parser.getgroup("infocheck", "infocheck: the endpoint under test")
    for knob in KNOBS:
        kwargs = dict(dest=knob.dest, help=f"{knob.help} [env {knob.env}]")
        if knob.form == "flag":
            kwargs.update(action="store_true", default=None)
        elif knob.form in ("list", "lines"):
            kwargs.update(action="append", default=None, metavar=knob.metavar)
        else:
            kwargs.update(default=None, metavar=knob.metavar)
        group.addoption(knob.option, *knob.old_options, **kwargs)   # a former name still works
    parser.addini("infocheck_json", "path of the machine-readable report", default="")
    parser.addini("infocheck", "run the infocheck plugin (the infocheck command and infocheck's "
                  "own pytest.ini set it; an infocheck option given does too)", type="bool",
                  default=False)


def given_options(config) -> dict:
    """Every knob's option value (None where not given), for build_config."""
    return {knob.dest: config.getoption(knob.dest) for knob in KNOBS}


def asked_for(config) -> bool:
    """Installed beside an unrelated project the plugin does nothing: it acts only when an ini
    file or the infocheck command says `infocheck = true`, or an infocheck option is given."""
    if config.getini("infocheck"):
        return True
    dests = [k.dest for k in KNOBS]
    return any(config.getoption(dest) not in (None, [], False) for dest in dests)
