"""A real browser opens the report of a failing run: with scripts blocked (served with a
Content-Security-Policy like Jenkins' default) the verdict and the matrix are there; with
JavaScript the transcripts are; and a screenshot is left in reports/ for humans."""
import functools
import http.server
import shutil
import subprocess
import threading

import pytest

from faults import IgnoresTheScheme
from harness import ROOT, run_suite, serve

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars"]

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="LOUD SKIP: no chromium on this machine (apt-get install chromium; "
                             ".ci/run installs it), so the report was not checked in a real browser")


@pytest.fixture(scope="module")
def failing_report(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("browser")
    with serve(IgnoresTheScheme) as server:
        run = run_suite(tmp, endpoint=server.url)
    assert run.code == 1
    return tmp / "reports" / "infocheck.html"


def chromium(tmp_path, *args) -> str:
    result = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *args],
                            capture_output=True, text=True, timeout=120)
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


def test_screenshot_for_humans(tmp_path, failing_report):
    shot = ROOT / "reports" / "infocheck-report.png"
    shot.parent.mkdir(exist_ok=True)
    chromium(tmp_path, "--window-size=1280,2200", f"--screenshot={shot}", "--virtual-time-budget=10000",
             failing_report.as_uri())
    assert shot.exists() and shot.stat().st_size > 10_000
