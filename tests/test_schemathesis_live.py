"""The contract against a live server, called with a token: every check.

test_schemathesis.py and test_schemathesis_writes.py call the app in
process. Here the same document is loaded from a real server over a real
socket (werkzeug's, in a thread), and every operation is called with an
admin token, so the answers are what a client sees on the wire: headers as
the server writes them, bodies as sent. Every schemathesis check must pass.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from werkzeug.serving import make_server

from tests.auth_helpers import bearer, make_token
from tests.conftest import fresh_database, make_app
from tests.test_schemathesis_writes import CONFIG

pytestmark = pytest.mark.slow

# Built at collection time, as schemathesis needs the document then.
_tmp = Path(tempfile.mkdtemp(prefix="sidcontent-live-contract-"))
_database = fresh_database(_tmp)
live_app = make_app(_database.__enter__(), _tmp)
AUTH = bearer(make_token(live_app, "schemathesis-live", "admin"))
_server = make_server("127.0.0.1", 0, live_app, threaded=True)
_thread = threading.Thread(target=_server.serve_forever, daemon=True)
_thread.start()
BASE = f"http://127.0.0.1:{_server.server_port}"
schema = schemathesis.openapi.from_url(f"{BASE}/api/v1/openapi.json", config=CONFIG)


@pytest.fixture(scope="module", autouse=True)
def _teardown_live_server():
    yield
    _server.shutdown()
    _thread.join(10)
    live_app.extensions["sidcontent.db"].dispose()
    _database.__exit__(None, None, None)
    shutil.rmtree(_tmp, ignore_errors=True)


@schema.parametrize()
@settings(
    max_examples=3,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_every_operation_conforms_over_the_wire_with_a_token(case):
    case.call_and_validate(headers=AUTH, base_url=BASE)
