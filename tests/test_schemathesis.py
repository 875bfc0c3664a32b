"""Property-based checks of every operation against the published contract.

schemathesis generates requests from openapi.json (valid and invalid) and
checks each response: no 5xx, status codes, content types, headers and
bodies all as documented.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from tests.conftest import fresh_database, make_app

# schemathesis needs the app when the module is collected (its fixture-based
# loader does not work with pytest 9), so the app is built here and torn
# down by the module fixture below.
_tmp = Path(tempfile.mkdtemp(prefix="sidcontent-contract-"))
_database = fresh_database(_tmp)
contract_app = make_app(_database.__enter__(), _tmp)
# A cursor is only valid when this server issued it for the same filters, so
# a generated one is rightly refused with 400 although it fits the schema;
# cursors are covered by test_hostile_queries.py and the page walks in
# test_read_api.py. Only list operations (the ones with a cursor) may 400.
# ?preview=true without a token is rightly 401 (previews need a token).
# Write operations are called anonymously here, so they answer 401; the
# same operations with a token are in test_schemathesis_writes.py.
CONFIG = SchemathesisConfig.from_str(
    """
[[operations]]
include-name-regex = "^GET /api/v1/(campaigns|themes|messages|resources)$"
checks.positive_data_acceptance.expected-statuses = ["2xx", "304", "400", "401", "404"]

# A sync token is valid only when this server signed it, and it carries the
# filters of its initial sync (sending one again is a 400); without a token a
# sync must say initial=true. Tokens and filters are covered by test_sync.py.
[[operations]]
include-name-regex = "^GET /api/v1/sync$"
checks.positive_data_acceptance.expected-statuses = ["2xx", "304", "400", "401"]

# Whether an export request can run depends on what is installed and
# published (exporter names, campaigns, each exporter's options), which the
# schema cannot say: a well-formed request may rightly be a 422. Called
# anonymously here, it is a 401; test_schemathesis_writes.py sends a token.
[[operations]]
include-name-regex = "^POST /api/v1/exports$"
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "404", "422"]
"""
)
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", contract_app, config=CONFIG)


@pytest.fixture(scope="module", autouse=True)
def _teardown_contract_app():
    yield
    contract_app.extensions["sidcontent.db"].dispose()
    _database.__exit__(None, None, None)
    shutil.rmtree(_tmp, ignore_errors=True)


@schema.parametrize()
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_every_operation_conforms(case):
    case.call_and_validate()
