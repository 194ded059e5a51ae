"""The Get Info API's Hypothesis strategies: malformed api-versions, and every contract's header
and query variations (contracts/strategies.py), named here for its suites."""
from __future__ import annotations

import string

from hypothesis import strategies as st

from infocheck.contracts.strategies import (PRINTABLE, client_request_ids, extra_query,  # noqa: F401
                                            header_values, incidental_headers, recased,
                                            traceparents, unknown_header_names)


def malformed_api_versions():
    """Strings near and far from YYYY-MM-DD[-preview] that are never a valid version."""
    digits = lambda n: st.text(alphabet=string.digits, min_size=n, max_size=n)  # noqa: E731
    near = st.one_of(
        st.builds(lambda y, m, d: f"{y}-{m}-{d}", digits(4), digits(1), digits(2)),      # short month
        st.builds(lambda y, m, d: f"{y}/{m}/{d}", digits(4), digits(2), digits(2)),      # slashes
        st.builds(lambda y, m, d: f"{y}{m}{d}", digits(4), digits(2), digits(2)),        # no dashes
        st.builds(lambda y, m, d, s: f"{y}-{m}-{d}-{s}", digits(4), digits(2), digits(2),
                  st.sampled_from(["beta", "alpha", "Preview", "PREVIEW", "prev", "", "preview-1"])),
        st.builds(lambda y, d: f"{y}-13-{d}", digits(4), digits(2)),                     # month 13
        st.builds(lambda y: f"{y}-02-30", digits(4)),                                    # no such day
    )
    far = st.text(alphabet=PRINTABLE, min_size=1, max_size=24)
    return st.one_of(near, far).filter(lambda v: not _is_calendar_version(v))


def _is_calendar_version(value: str) -> bool:
    from infocheck.configuration.knobs import ConfigError
    from infocheck.contracts.info.contract import validate_api_version
    try:
        validate_api_version(value)
        return True
    except ConfigError:
        return False
