"""Property-based checks of the write operations, called with a token.

test_schemathesis.py calls every operation anonymously, so writes there only
show their 401. Here the secured operations run as an admin (who may do
everything) against a database of their own: generated bodies, If-Match
values and ids must all get documented answers, never a 5xx.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from tests.auth_helpers import bearer, make_token
from tests.conftest import fresh_database, make_app

# Built at collection time, as schemathesis needs it then (see test_schemathesis.py).
_tmp = Path(tempfile.mkdtemp(prefix="sidcontent-writes-contract-"))
_database = fresh_database(_tmp)
writes_app = make_app(_database.__enter__(), _tmp)
AUTH = bearer(make_token(writes_app, "schemathesis", "admin"))

WRITES = (
    r"^((POST|PATCH|PUT|DELETE) /api/v1/(campaigns|themes|messages|resources)|GET .*/revisions$"
    r"|POST /api/v1/exports$|GET /api/v1/exports/)"
)
# Schema-valid is not always acceptable: a generated If-Match is stale (412),
# an id may not exist (404), a slug may clash or a publish may need its
# campaign first (409), a reference may name nothing (422), and a generated
# ?locale= is not always a real language tag (400, as for the reads).
# A missing If-Match is 428 Precondition Required (RFC 6585), by contract.
CONFIG = SchemathesisConfig.from_str(
    """
[checks.positive_data_acceptance]
expected-statuses = ["2xx", "400", "404", "409", "412", "422"]

[checks.missing_required_header]
expected-statuses = ["428"]

# test_schemathesis.py already sends every path the methods it does not take.
[phases.coverage]
unexpected-methods = []
"""
)
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", writes_app, config=CONFIG).include(
    name_regex=WRITES
)


@pytest.fixture(scope="module", autouse=True)
def _teardown_writes_app():
    yield
    writes_app.extensions["sidcontent.db"].dispose()
    _database.__exit__(None, None, None)
    shutil.rmtree(_tmp, ignore_errors=True)


@schema.parametrize()
@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_every_write_operation_conforms_with_a_token(case):
    case.call_and_validate(headers=AUTH)
