"""The CLI as a new user meets it: one instance folder from anywhere, `info`, dumps."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import sidcontent
from sidcontent.cli import main
from tests.conftest import fresh_database, make_app


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("firstrun")
    with fresh_database(tmp_path) as url:
        make_app(url, tmp_path).extensions["sidcontent.db"].dispose()
        yield {
            "SIDCONTENT_DATABASE_URL": url,
            "SIDCONTENT_INSTANCE_PATH": str(tmp_path / "instance"),
            "SIDCONTENT_SECRET_KEY": "test-secret",
        }


def info(env: dict[str, str | None]) -> dict:
    result = CliRunner(env=env).invoke(main, ["info", "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_the_instance_folder_does_not_depend_on_the_working_directory(
    seeded, tmp_path, monkeypatch
):
    # No SIDCONTENT_INSTANCE_PATH: Flask's instance folder of the installed package.
    env = {**seeded, "SIDCONTENT_INSTANCE_PATH": None}
    seen = set()
    for folder in (tmp_path / "a", tmp_path / "b" / "c"):
        folder.mkdir(parents=True)
        monkeypatch.chdir(folder)
        facts = info(env)
        assert facts["instance_path_from"] == "default"
        assert not Path(facts["instance_path"]).is_relative_to(tmp_path)
        seen.add(facts["instance_path"])
    (path,) = seen
    # src/instance in a checkout (editable install), <venv>/var/sidcontent-instance otherwise.
    package_parent = Path(sidcontent.__file__).resolve().parent.parent
    assert path == str(package_parent / "instance") or path.endswith("sidcontent-instance")


def test_the_environment_chooses_the_instance_folder_and_database(seeded, tmp_path):
    instance = tmp_path / "elsewhere"
    env = {"SIDCONTENT_INSTANCE_PATH": str(instance), "SIDCONTENT_DATABASE_URL": None}
    facts = info(env)
    assert facts["instance_path"] == str(instance)
    assert facts["instance_path_from"] == "SIDCONTENT_INSTANCE_PATH"
    assert facts["database"] == f"sqlite:///{instance / 'sidcontent.sqlite3'}"
    assert facts["migration"].startswith("empty")
    assert facts["artifact_dir"] == str(instance / "artifacts")


def test_info_names_database_migration_store_broker_and_plugins(seeded):
    result = CliRunner(env=seeded).invoke(main, ["info"])
    assert result.exit_code == 0, result.output
    labels = [line.split(":", 1)[0] for line in result.stdout.splitlines()]
    assert labels == [
        "sidcontent",
        "instance folder",
        "database",
        "migration",
        "artifact store",
        "broker",
        "plugins dir",
        "plugins",
    ]
    assert "(latest)" in result.stdout
    assert "sidcontent.exporters.poster" in result.stdout
    assert "sidcontent-calendar" in result.stdout


def test_info_hides_database_passwords(tmp_path):
    env = {
        "SIDCONTENT_INSTANCE_PATH": str(tmp_path),
        "SIDCONTENT_DATABASE_URL": "postgresql+psycopg://ann:hunter2@127.0.0.1:1/nope",
    }
    facts = info(env)
    assert "hunter2" not in json.dumps(facts)
    assert facts["database"] == "postgresql+psycopg://ann:***@127.0.0.1:1/nope"
    assert facts["migration"].startswith("not reachable")


def test_fixtures_dump_without_a_path_writes_standard_output(seeded, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "fixtures").mkdir()
    result = CliRunner(env=seeded).invoke(main, ["fixtures", "dump"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert list(document) == ["themes", "campaigns", "messages", "resources"]
    assert any(c["slug"] == "sid-2017" for c in document["campaigns"])
    assert list((tmp_path / "fixtures").iterdir()) == [], "nothing written to ./fixtures"


def test_fixtures_dump_over_files_needs_force(seeded, tmp_path):
    target = tmp_path / "dump"
    runner = CliRunner(env=seeded)
    assert runner.invoke(main, ["fixtures", "dump", str(target)]).exit_code == 0
    (target / "messages.json").write_text("[]")
    refused = runner.invoke(main, ["fixtures", "dump", str(target)])
    assert refused.exit_code == 1
    assert (target / "messages.json").read_text() == "[]"
    forced = runner.invoke(main, ["fixtures", "dump", "--force", str(target)])
    assert forced.exit_code == 0, forced.output
    assert len(json.loads((target / "messages.json").read_text())) > 0


def test_export_help_says_message_repeats():
    result = CliRunner().invoke(main, ["export", "--help"])
    assert "repeat" in result.output.split("--message", 1)[1].split("--resource", 1)[0]
