"""/docs renders the API reference in a real browser, from our own assets.

Headless Chromium loads the page from a real server with every host but
127.0.0.1 unresolvable, so a CDN reference could not load; the rendered DOM
must still list the operations.
"""

from __future__ import annotations

import re
import subprocess
import threading

import pytest
from werkzeug.serving import make_server

from tests import needs


@pytest.fixture()
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


def test_docs_page_references_only_local_assets(client):
    response = client.get("/docs/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert urls, "the page loads scripts and styles"
    for url in urls:
        assert url.startswith("/docs/"), f"{url} is not served by the app"
        asset = client.get(url)
        asset.close()  # send_file streams from an open file
        assert asset.status_code == 200, url
    assert "/api/v1/openapi.json" in html


@pytest.mark.browser
def test_docs_render_in_a_real_browser(live_server, tmp_path):
    command = [
        needs.chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        "--virtual-time-budget=10000",
        "--dump-dom",
        f"{live_server}/docs/",
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=90, check=False)
    dom = result.stdout
    assert result.returncode == 0, result.stderr[-2000:]
    # Swagger UI has fetched openapi.json and rendered an entry per operation.
    assert 'class="swagger-ui' in dom
    for path in ("/api/v1/messages", "/api/v1/campaigns/{slug}/bundle", "/api/v1/themes"):
        assert path in dom, f"{path} not rendered"
    assert "sidcontent" in dom
