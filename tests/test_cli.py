"""The sidcontent command: migrations, fixtures, OpenAPI; errors as one line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from sidcontent.cli import main
from tests import seed
from tests.conftest import FIXTURES, fresh_database


@pytest.fixture()
def database_url(tmp_path):
    with fresh_database(tmp_path) as url:
        yield url


def run(database_url: str, tmp_path: Path, *args: str):
    env = {
        "SIDCONTENT_DATABASE_URL": database_url,
        "SIDCONTENT_INSTANCE_PATH": str(tmp_path / "instance"),
    }
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def assert_one_line_error(result, *fragments: str) -> None:
    assert result.exit_code != 0
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert lines[0].startswith("Error: ")
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in lines[0]


def test_upgrade_load_dump_load_dump_is_byte_identical(database_url, tmp_path):
    assert run(database_url, tmp_path, "db", "upgrade").exit_code == 0
    loaded = run(database_url, tmp_path, "fixtures", "load", str(FIXTURES))
    assert loaded.exit_code == 0, loaded.output
    assert f"{len(seed.load('messages'))} messages" in loaded.output

    first = tmp_path / "first"
    assert run(database_url, tmp_path, "fixtures", "dump", str(first)).exit_code == 0

    with fresh_database(tmp_path / "second-db") as second_url:
        (tmp_path / "second-db").mkdir(exist_ok=True)
        assert run(second_url, tmp_path, "db", "upgrade").exit_code == 0
        assert run(second_url, tmp_path, "fixtures", "load", str(first)).exit_code == 0
        second = tmp_path / "second"
        assert run(second_url, tmp_path, "fixtures", "dump", str(second)).exit_code == 0

    for name in ("themes", "campaigns", "messages", "resources"):
        assert (first / f"{name}.json").read_bytes() == (second / f"{name}.json").read_bytes()
    dumped = json.loads((first / "messages.json").read_text(encoding="utf-8"))
    source = json.loads((FIXTURES / "messages.json").read_text(encoding="utf-8"))
    assert len(dumped) == len(source), "drafts are dumped too"


def test_load_is_idempotent(database_url, tmp_path):
    run(database_url, tmp_path, "db", "upgrade")
    first = run(database_url, tmp_path, "fixtures", "load", str(FIXTURES))
    assert "changed: 0 themes" not in first.output
    again = run(database_url, tmp_path, "fixtures", "load", str(FIXTURES))
    assert again.exit_code == 0
    assert again.output.strip() == ("changed: 0 themes, 0 campaigns, 0 messages, 0 resources")


def test_load_updates_changed_items_only(database_url, tmp_path):
    run(database_url, tmp_path, "db", "upgrade")
    run(database_url, tmp_path, "fixtures", "load", str(FIXTURES))
    edited = tmp_path / "edited"
    shutil.copytree(FIXTURES, edited)
    messages = json.loads((edited / "messages.json").read_text(encoding="utf-8"))
    messages[0]["translations"]["en"]["headline"] = "A new headline"
    (edited / "messages.json").write_text(json.dumps(messages), encoding="utf-8")
    result = run(database_url, tmp_path, "fixtures", "load", str(edited))
    assert result.output.strip() == "changed: 0 themes, 0 campaigns, 1 messages, 0 resources"
    dump = tmp_path / "dump"
    run(database_url, tmp_path, "fixtures", "dump", str(dump))
    first = json.loads((dump / "messages.json").read_text(encoding="utf-8"))[0]
    assert first["translations"]["en"]["headline"] == "A new headline"
    assert first["revision"] == 2


@pytest.mark.parametrize(
    ("name", "content", "fragments"),
    [
        ("messages.json", "{not json", ("messages.json", "not valid JSON")),
        ("messages.json", '{"a": 1}', ("expected a JSON array",)),
        (
            "messages.json",
            '[{"id": 1, "campaign": "sid-2017", "audience": "martians", "kind": "tip",'
            ' "translations": {"en": {"headline": "x"}}}]',
            ("messages.json[0]", "audience"),
        ),
        (
            "messages.json",
            '[{"id": 1, "campaign": "nope", "audience": "general", "kind": "tip",'
            ' "translations": {"en": {"headline": "x"}}}]',
            ("unknown campaign 'nope'",),
        ),
        (
            "messages.json",
            '[{"id": 1, "campaign": "sid-2017", "audience": "general", "kind": "tip",'
            ' "translations": {"../etc": {"headline": "x"}}}]',
            ("translations",),
        ),
        (
            "themes.json",
            '[{"slug": "t", "palette": {"primary": "red", "secondary": "#000000",'
            ' "accent": "#000000", "background": "#ffffff", "text": "#000000"},'
            ' "translations": {"en": {"name": "T"}}}]',
            ("themes.json[0]", "palette.primary"),
        ),
        (
            "messages.json",
            '[{"id": 1, "campaign": "sid-2017", "audience": "general", "kind": "tip",'
            ' "surprise": true, "translations": {"en": {"headline": "x"}}}]',
            ("surprise", "Unknown field"),
        ),
    ],
)
def test_bad_fixture_files_fail_in_one_line_and_change_nothing(
    database_url, tmp_path, name, content, fragments
):
    run(database_url, tmp_path, "db", "upgrade")
    bad = tmp_path / "bad"
    shutil.copytree(FIXTURES, bad)
    (bad / name).write_text(content, encoding="utf-8")
    assert_one_line_error(run(database_url, tmp_path, "fixtures", "load", str(bad)), *fragments)
    dump = tmp_path / "dump"
    run(database_url, tmp_path, "fixtures", "dump", str(dump))
    assert json.loads((dump / "messages.json").read_text(encoding="utf-8")) == []


def test_missing_directory_is_one_line(database_url, tmp_path):
    run(database_url, tmp_path, "db", "upgrade")
    result = run(database_url, tmp_path, "fixtures", "load", str(tmp_path / "nowhere"))
    assert_one_line_error(result, "not a directory")


def test_unmigrated_database_is_one_line(database_url, tmp_path):
    result = run(database_url, tmp_path, "fixtures", "load", str(FIXTURES))
    assert_one_line_error(result, "sidcontent db upgrade")


def test_unreachable_database_is_one_line(tmp_path):
    url = "postgresql+psycopg://nobody@127.0.0.1:1/nothing"
    assert_one_line_error(run(url, tmp_path, "db", "upgrade"), "database error")


def test_unknown_database_driver_is_one_line(tmp_path):
    assert_one_line_error(run("nosuchdb://x/y", tmp_path, "db", "upgrade"))


def test_openapi_to_file(tmp_path, database_url):
    out = tmp_path / "spec.yaml"
    result = run(database_url, tmp_path, "openapi", "-o", str(out))
    assert result.exit_code == 0
    assert out.read_text(encoding="utf-8").startswith("openapi: 3.")
