"""`sidcontent export` and the ten-line exporter of docs/plugins.md, end to end."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from sidcontent.cli import main
from tests.conftest import fresh_database, make_app
from tests.pluginkit import marketer_client

ROOT = Path(__file__).resolve().parent.parent


def docs_example() -> str:
    text = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
    match = re.search(r"<!-- example: hashtags.py -->\n```python\n(.*?)```", text, re.S)
    assert match, "docs/plugins.md lost its ten-line example"
    return match.group(1)


@pytest.fixture(scope="module")
def cli_env(tmp_path_factory):
    """A migrated, seeded database the CLI reaches through the environment."""
    tmp_path = tmp_path_factory.mktemp("cli")
    plugins_dir = tmp_path / "plugins"
    plugins_dir.mkdir()
    (plugins_dir / "hashtags.py").write_text(docs_example(), encoding="utf-8")
    with fresh_database(tmp_path) as url:
        app = make_app(url, tmp_path)
        app.extensions["sidcontent.db"].dispose()
        yield {
            "SIDCONTENT_DATABASE_URL": url,
            "SIDCONTENT_INSTANCE_PATH": str(tmp_path / "instance"),
            "SIDCONTENT_SECRET_KEY": "test-secret",
            "SIDCONTENT_PLUGINS_DIR": str(plugins_dir),
        }


def run(cli_env, *args):
    return CliRunner(env=cli_env).invoke(main, list(args))


def test_the_docs_example_is_about_ten_lines():
    lines = [line for line in docs_example().splitlines() if line.strip()]
    assert len(lines) <= 11


def test_the_docs_example_runs_over_http(cli_env):
    app = make_app(
        cli_env["SIDCONTENT_DATABASE_URL"],
        Path(cli_env["SIDCONTENT_INSTANCE_PATH"]).parent,
        load_fixtures=False,
        PLUGINS_DIR=cli_env["SIDCONTENT_PLUGINS_DIR"],
    )
    try:
        client = marketer_client(app, "docs-reader")
        exporters = {e["name"]: e for e in client.get("/api/v1/exporters").get_json()["data"]}
        assert exporters["hashtags"]["plugin"] == "hashtags"
        response = client.post(
            "/api/v1/exports", json={"exporter": "hashtags", "campaign": "sid-2017"}
        )
        assert response.status_code == 201, response.get_json()
        with client.get(response.get_json()["data"]["artifact"]["url"]) as artifact:
            assert artifact.data == b"#SaferInternetDay #SID2017"
    finally:
        app.extensions["sidcontent.db"].dispose()


def test_the_docs_example_runs_from_the_cli(cli_env):
    result = run(cli_env, "export", "hashtags", "--campaign", "sid-2017", "--output", "-")
    assert result.exit_code == 0, result.output
    assert result.stdout == "#SaferInternetDay #SID2017"


def test_export_writes_a_file(cli_env, tmp_path):
    target = tmp_path / "out.ics"
    result = run(
        cli_env,
        *("export", "calendar", "--campaign", "sid-2026", "--locale", "fr"),
        *("-o", "reminder_minutes=30", "-o", "include_webinars=true", "--output", str(target)),
    )
    assert result.exit_code == 0, result.output
    assert target.read_bytes().startswith(b"BEGIN:VCALENDAR")
    assert f"wrote {target}" in result.stderr and ", fr)" in result.stderr


def test_export_all_locales_with_a_progress_bar(cli_env, tmp_path):
    result = run(
        cli_env,
        "export",
        "calendar",
        "--campaign",
        "sid-2017",
        "--all-locales",
        "--output",
        str(tmp_path),
    )
    assert result.exit_code == 0, result.output
    written = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.ics"))
    assert written == [f"{loc}/sid-2017-{loc}.ics" for loc in ("de", "en", "es", "fr")]
    assert "Exporting calendar" in result.stderr


def test_export_into_a_directory_and_messages(cli_env, tmp_path):
    result = run(
        cli_env,
        "export",
        "hashtags",
        "--campaign",
        "sid-2017",
        "--message",
        "1",
        "--output",
        str(tmp_path),
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "sid-2017.txt").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["export", "nope", "--campaign", "sid-2017"], "Unknown exporter 'nope'; available: "),
        (["export", "calendar", "--campaign", "nope"], "No published campaign 'nope'."),
        (["export", "calendar", "--campaign", "sid-2027"], "No published campaign 'sid-2027'."),
        (
            ["export", "calendar", "--campaign", "sid-2017", "-o", "reminder_minutes=soon"],
            "options.reminder_minutes: Not a valid integer.",
        ),
        (["export", "calendar", "--campaign", "sid-2017", "-o", "colour"], "is not key=value"),
        (
            ["export", "calendar", "--campaign", "sid-2017", "--media-type", "text/html"],
            "media_type: Must be one of: text/calendar.",
        ),
        (
            ["export", "calendar", "--campaign", "sid-2017", "--locale", "en", "--all-locales"],
            "use --locale or --all-locales, not both",
        ),
        (
            ["export", "calendar", "--campaign", "sid-2017", "--all-locales", "--output", "-"],
            "takes one export",
        ),
        (
            ["export", "calendar", "--campaign", "sid-2017", "--message", "9999"],
            "message_ids: Not published in campaign 'sid-2017': 9999",
        ),
    ],
)
def test_export_errors_are_one_line(cli_env, args, message):
    result = run(cli_env, *args)
    assert result.exit_code == 1
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_a_failing_plugin_is_one_line_too(cli_env, tmp_path):
    plugins_dir = tmp_path / "more"
    plugins_dir.mkdir()
    (plugins_dir / "boom.py").write_text(
        docs_example()
        .replace('"hashtags"', '"boom"')
        .replace("text = ", "raise ValueError('boom')\n        text = ")
    )
    result = run(
        {**cli_env, "SIDCONTENT_PLUGINS_DIR": str(plugins_dir)},
        "export",
        "boom",
        "--campaign",
        "sid-2017",
    )
    assert result.exit_code == 1
    assert "failed: plugin 'boom' failed: ValueError: boom" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
