"""A real browser opens the report of a failing run: with scripts blocked (served with a
Content-Security-Policy like Jenkins' default) the verdict and the matrix are there; with
JavaScript the transcripts are; and a screenshot is left in reports/ for humans."""
import functools
import os
import http.server
import shutil
import subprocess
import threading

import pytest

from faults import IgnoresTheScheme
import png
from harness import HANG, ROOT, run_suite, serve

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars"]

if CHROMIUM is None and os.environ.get("INFOCHECK_REQUIRE_BROWSER"):
    # CI sets this: there a report never checked in a real browser must not pass as green.
    raise RuntimeError("INFOCHECK_REQUIRE_BROWSER is set but chromium is not installed")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="LOUD SKIP: no chromium on this machine (apt-get install chromium; "
                             ".ci/run installs it), so the report was not checked in a real browser")
RED, GREEN, WHITE = bytes.fromhex("cf222e"), bytes.fromhex("1a7f37"), bytes.fromhex("ffffff")


@pytest.fixture(scope="module")
def failing_report(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("browser")
    with serve(IgnoresTheScheme) as server:
        run = run_suite(tmp, endpoint=server.url)
    assert run.code == 1
    return tmp / "reports" / "infocheck.html"


def chromium(tmp_path, *args) -> str:
    result = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *args],
                            capture_output=True, text=True, timeout=HANG)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


class _ScriptsBlocked(http.server.SimpleHTTPRequestHandler):
    def end_headers(self):
        self.send_header("Content-Security-Policy", "script-src 'none'")
        super().end_headers()

    def log_message(self, *args):
        pass


def test_verdict_and_matrix_read_without_javascript(tmp_path, failing_report):
    handler = functools.partial(_ScriptsBlocked, directory=str(failing_report.parent))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/{failing_report.name}"
        dom = chromium(tmp_path, "--virtual-time-budget=5000", "--dump-dom", url)
    finally:
        server.shutdown()
        server.server_close()
    assert 'id="infocheck-verdict"' in dom and "NOT CONFORMANT" in dom
    assert 'id="infocheck-matrix"' in dom and "AUTH-MALFORMED" in dom and "<svg" in dom
    assert '<pre class="ic-transcript">' not in dom  # those need JavaScript


def test_transcripts_render_with_javascript(tmp_path, failing_report):
    dom = chromium(tmp_path, "--virtual-time-budget=10000", "--dump-dom", failing_report.as_uri())
    assert '<pre class="ic-transcript">' in dom and "&gt; GET http://127.0.0.1:" in dom


def test_the_first_screen_shows_the_verdict_and_the_chart(tmp_path, failing_report):
    """Read off the screenshot's pixels: what a person sees first, before scrolling, is a wide
    red banner with writing on it, and below it the chart with its red failed segment."""
    shot = ROOT / "reports" / "infocheck-report.png"   # left for humans to look at
    shot.parent.mkdir(exist_ok=True)
    chromium(tmp_path, "--window-size=1280,1000", f"--screenshot={shot}",
             "--virtual-time-budget=10000", failing_report.as_uri())
    width, height, rows = png.rows(shot.read_bytes())
    assert (width, height) == (1280, 1000)

    def count(row, colour):
        return sum(1 for i in range(0, len(row), 3) if row[i:i + 3] == colour)

    banner = [y for y, row in enumerate(rows) if count(row, RED) > 0.9 * width]
    assert len(banner) > 100, "no wide red verdict banner on the first screen"
    top, bottom = banner[0], banner[-1]
    assert top < 250, "the verdict is not first: something (the Environment table?) is above it"
    written = sum(count(rows[y], WHITE) for y in range(top, bottom))
    assert written > 2000, "the banner carries no text"
    # pytest-html paints every <p> black; on the red banner that line would not be read
    dark = sum(1 for y in range(top, bottom) for i in range(0, width * 3, 3) if rows[y][i] < 80)
    assert dark < 50, "dark writing on the red banner (pytest-html's p{color:black} won?)"
    chart = [y for y in range(bottom, height) if count(rows[y], RED) > 10 and count(rows[y], GREEN) > 200]
    assert chart, "no chart row with a failed (red) and passed (green) segment below the banner"


def fleet_page(tmp_path, count=100, failing=10):
    """A fleet of `count` targets whose last `failing` did not pass, as the fleet page shows it."""
    from infocheck.fleet import model, render
    requirements = [f"SHAPE-{n}" for n in range(38)]
    summaries = []
    for i in range(count):
        bad = i >= count - failing
        summaries.append({
            "name": f"eastus2-deployment-{i:03d}", "index": i + 1, "exit_code": 1 if bad else 0,
            "verdict": "NOT CONFORMANT" if bad else "CONFORMANT", "endpoint": "https://e", "detail": None,
            "problem": None, "contract": "info", "explanation": "", "api_versions": ["2025-05-01"],
            "sent": 63, "duration": 5, "notices": [],
            "verdicts": {r: ("failed" if bad and r == "SHAPE-3" else "passed") for r in requirements},
            "failing": [{"id": "SHAPE-3", "level": "MUST", "statement": "s", "verdict": "failed",
                         "messages": ["[MUST SHAPE-3] broke"], "exchanges": []}] if bad else []})
    metas = {("info", r): {"area": "response shape", "statement": "s"} for r in requirements}
    page = tmp_path / "fleet.html"
    page.write_text(render.html(model.head(summaries), summaries, metas))
    return page


def badge_rows(shot) -> list[str]:
    """Top down, each band of rows by the colour of its first wide run of red or green: the
    banner, then each target's verdict badge (a matrix cell or a legend glyph is narrower)."""
    width, height, rows = png.rows(shot.read_bytes())
    kinds, last = [], None
    for row in rows:
        kind, run, colour = None, 0, None
        for i in range(0, len(row), 3):
            pixel = row[i:i + 3]
            run = run + 1 if pixel == colour else 1
            colour = pixel
            if pixel in (RED, GREEN) and run >= 60:
                kind = "red" if pixel == RED else "green"
                break
        if kind != last and kind is not None:
            kinds.append(kind)
        last = kind
    return kinds


def test_a_fleet_of_a_hundred_shows_its_failures_on_the_first_screen(tmp_path):
    page = fleet_page(tmp_path)
    shot = tmp_path / "fleet.png"
    chromium(tmp_path, "--window-size=1280,1000", f"--screenshot={shot}", "--virtual-time-budget=5000",
             page.as_uri())
    kinds = badge_rows(shot)
    # the banner (red), then the ten targets that did not pass, one line each, before any other
    assert kinds[:1] == ["red"] and kinds.count("red") >= 11, kinds[:30]
    assert kinds.index("green") > 10 if "green" in kinds else True
    filtered = tmp_path / "filtered.png"
    chromium(tmp_path, "--window-size=1280,1000", f"--screenshot={filtered}", "--virtual-time-budget=5000",
             page.as_uri() + "#only-failing")
    assert "green" not in badge_rows(filtered)[:12]   # without JavaScript: only those that did not pass
