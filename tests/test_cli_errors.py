"""Every CLI mistake a new user made (issue 12): one line, no traceback, exit 1 or 2."""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from sidcontent.cli import main
from tests.conftest import fresh_database, make_app


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    """A migrated, seeded database and an instance folder the CLI reaches."""
    tmp_path = tmp_path_factory.mktemp("cli-errors")
    with fresh_database(tmp_path) as url:
        make_app(url, tmp_path).extensions["sidcontent.db"].dispose()
        yield {
            "SIDCONTENT_DATABASE_URL": url,
            "SIDCONTENT_INSTANCE_PATH": str(tmp_path / "instance"),
            "SIDCONTENT_SECRET_KEY": "test-secret",
        }


@pytest.fixture()
def busy_port():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield listener.getsockname()[1]


def non_empty_folder(tmp_path: Path) -> str:
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    return str(tmp_path / "mine")


# (mistake, environment beyond the seeded one, arguments, what the one line must say)
MISTAKES: list[tuple[str, dict[str, str], Callable[[Path, int], list[str]], list[str]]] = [
    (
        "MySQL URL",
        {"SIDCONTENT_DATABASE_URL": "mysql://x@127.0.0.1/y"},
        lambda tmp, port: ["db", "upgrade"],
        ["'mysql'", "SQLite", "PostgreSQL", "sidcontent[postgres]"],
    ),
    (
        "Oracle URL",
        {"SIDCONTENT_DATABASE_URL": "oracle://x@127.0.0.1/y"},
        lambda tmp, port: ["db", "upgrade"],
        ["'oracle'", "SQLite", "PostgreSQL"],
    ),
    (
        "not a URL",
        {"SIDCONTENT_DATABASE_URL": "my database"},
        lambda tmp, port: ["db", "current"],
        ["not a database URL", "SQLite"],
    ),
    (
        "unknown migration",
        {},
        lambda tmp, port: ["db", "upgrade", "--revision", "9999_nope"],
        ["9999_nope", "known:", "0001", "0002_exports"],
    ),
    (
        "SQLite file in a folder that does not exist",
        {"SIDCONTENT_DATABASE_URL": "sqlite:////nonexistent-h3/dir/x.db"},
        lambda tmp, port: ["db", "upgrade"],
        ["/nonexistent-h3/dir", "does not exist"],
    ),
    (
        "instance folder whose parent does not exist",
        {"SIDCONTENT_INSTANCE_PATH": "/nonexistent-h3/instance", "SIDCONTENT_DATABASE_URL": ""},
        lambda tmp, port: ["db", "upgrade"],
        ["SIDCONTENT_INSTANCE_PATH", "/nonexistent-h3", "does not exist"],
    ),
    (
        "export --output into a folder that does not exist",
        {},
        lambda tmp, port: [
            "export",
            "poster",
            "--campaign",
            "sid-2017",
            "--output",
            "/nonexistent-h3/x.pdf",
        ],
        ["/nonexistent-h3", "does not exist"],
    ),
    (
        "fixtures dump over a non-empty folder",
        {},
        lambda tmp, port: ["fixtures", "dump", non_empty_folder(tmp)],
        ["not empty", "--force"],
    ),
    (
        "fixtures dump into a folder whose parent does not exist",
        {},
        lambda tmp, port: ["fixtures", "dump", str(tmp / "no" / "such")],
        ["does not exist"],
    ),
    (
        # "At once": the port is checked before anything else (gunicorn would retry
        # for five seconds), so even a database it cannot use is not reached.
        "serve on a busy port",
        {"SIDCONTENT_DATABASE_URL": "mysql://x@127.0.0.1/y"},
        lambda tmp, port: ["serve", "--port", str(port)],
        ["in use", "--port"],
    ),
]


@pytest.mark.parametrize(
    ("env", "args", "fragments"),
    [pytest.param(env, args, fragments, id=name) for name, env, args, fragments in MISTAKES],
)
def test_each_mistake_is_one_line_and_a_non_zero_exit(
    seeded, tmp_path, busy_port, env, args, fragments
):
    result = CliRunner(env={**seeded, **env}).invoke(main, args(tmp_path, busy_port))
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"uncaught {result.exception!r}"
    )
    assert result.exit_code in (1, 2), result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert lines[0].startswith("Error: ")
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in lines[0]


def test_nothing_was_created_by_the_mistakes():
    assert not Path("/nonexistent-h3").exists()


def broken_plugins(tmp_path: Path) -> Path:
    folder = tmp_path / "plugins"
    folder.mkdir()
    (folder / "typo.py").write_text("import no_such_module_h3\n")
    (folder / "crash.py").write_text("raise RuntimeError('boom at import')\n")
    return folder


def test_a_broken_plugin_is_one_console_line_per_plugin(seeded, tmp_path):
    env = {**seeded, "SIDCONTENT_PLUGINS_DIR": str(broken_plugins(tmp_path))}
    result = CliRunner(env=env).invoke(main, ["db", "current"])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    failures = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(failures) == 2, result.stderr
    assert any("'typo'" in f and "no_such_module_h3" in f for f in failures)
    assert any("'crash'" in f and "boom at import" in f for f in failures)
    assert all("--verbose" in f for f in failures)


def test_verbose_shows_the_plugin_traceback(seeded, tmp_path):
    env = {**seeded, "SIDCONTENT_PLUGINS_DIR": str(broken_plugins(tmp_path))}
    result = CliRunner(env=env).invoke(main, ["--verbose", "db", "current"])
    assert result.exit_code == 0, result.output
    assert result.stderr.count("Traceback") == 2
    assert "raise RuntimeError('boom at import')" in result.stderr
