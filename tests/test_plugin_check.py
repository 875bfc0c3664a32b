"""`sidcontent plugins check PATH`: one plugin alone, every problem listed, exit 1 on any."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from sidcontent.cli import main
from tests.pluginkit import exporter_source

ROOT = Path(__file__).resolve().parent.parent


def check(*args: str):
    return CliRunner().invoke(main, ["plugins", "check", *args])


def write(tmp_path: Path, name: str, source: str) -> str:
    path = tmp_path / f"{name}.py"
    path.write_text(source, encoding="utf-8")
    return str(path)


def test_an_installed_distribution_passes(tmp_path):
    result = check("sidcontent-calendar")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "plugin sidcontent-calendar 0.2.0 (entry-point sidcontent_calendar): loaded"
    )
    assert (
        "  hooks: content_changed, register_exporters, register_settings: each matches a hookspec"
        in lines
    )
    assert (
        "  setting feed_dir (path, optional): SIDCONTENT_PLUGIN_SIDCONTENT_CALENDAR_FEED_DIR"
        in lines
    )
    assert "    options schema -> JSON Schema: include_webinars, reminder_minutes" in lines
    assert any(
        line.startswith("    export text/calendar against the sample bundle: sid-2026-en.ics, ")
        for line in lines
    )
    assert lines[-1] == "ok: sidcontent-calendar passes every check"
    # Alone: no built-in exporter was loaded or tried.
    assert "social" not in result.stdout


def test_a_project_folder_names_its_installed_distribution():
    result = check(str(ROOT / "plugins" / "sidcontent-calendar"))
    assert result.exit_code == 0, result.output
    assert "exporter calendar" in result.stdout


def test_a_file_passes_and_every_media_type_is_tried(tmp_path):
    source = exporter_source(
        "both",
        "return Artifact('x', context.media_type, b'x')",
        media_types='("text/plain", "text/csv")',
    )
    result = check(write(tmp_path, "both", source), "--json")
    assert result.exit_code == 0, result.output
    report = orjson.loads(result.stdout)
    assert report["ok"] is True and report["problems"] == []
    [plugin] = report["plugins"]
    assert plugin["name"] == "both" and plugin["exporters"] == ["both"]
    assert [c["media_type"] for c in plugin["checks"]] == ["text/plain", "text/csv"]
    assert all(c["ok"] for c in plugin["checks"])


BROKEN = {
    "misspelt": (
        "from sidcontent import hookimpl\n\n"
        "@hookimpl\ndef register_exporter(register):\n    pass\n",
        "implements hooks that do not exist: register_exporter",
    ),
    "bad-argument": (
        "from sidcontent import hookimpl\n\n@hookimpl\ndef prepare_bundle(bundel):\n    pass\n",
        "prepare_bundle(bundel); Argument(s) {'bundel'} are declared in the hookimpl "
        "but can not be found in the hookspec",
    ),
    "raises": (
        exporter_source("raises", "raise ValueError('boom')"),
        "exporter raises: export text/plain failed (plugin-failed): ValueError: boom",
    ),
    "wrong-type": (
        exporter_source("wrong-type", "return 'text'"),
        "export() returned str, not an Artifact",
    ),
    "slow": (
        exporter_source("slow", "import time\ntime.sleep(30)"),
        "export text/plain failed (timeout)",
    ),
    "required-option": (
        "from marshmallow import Schema, fields\n"
        + exporter_source("required-option", "return Artifact('x', 'text/plain', b'')").replace(
            "    name = ",
            "    options_schema = Schema.from_dict({'n': fields.Integer(required=True)})\n"
            "    name = ",
        ),
        "its options have no working defaults",
    ),
    "import-error": ("import no_such_module_here\n", "import failed: ModuleNotFoundError"),
    "nothing": ("X = 1\n", "implements no hook"),
    "two-signatures": (
        exporter_source("two-signatures", "pass").replace(
            "def export(self, bundle, options, context)", "def export(self, bundle)"
        ),
        "takes neither shape",
    ),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_each_problem_is_reported_and_fails_the_command(tmp_path, name):
    source, expected = BROKEN[name]
    result = check(write(tmp_path, name.replace("-", "_"), source), "--timeout", "1")
    assert result.exit_code == 1, result.output
    problems = [line for line in result.stdout.splitlines() if line.startswith("problem: ")]
    assert problems and any(expected in line for line in problems), result.stdout
    # The failed load is also logged (one console line) before the one-line error.
    assert result.stderr.strip().splitlines()[-1].startswith("Error: 1 problem in ")
    assert "Traceback" not in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("no-such-distribution", "no installed distribution named 'no-such-distribution'"),
        ("pluggy", "distribution 'pluggy' declares no entry point in the 'sidcontent' group"),
    ],
)
def test_unknown_targets_are_one_problem(target, message):
    result = check(target)
    assert result.exit_code == 1
    assert f"problem: {message}" in result.stdout


def test_a_folder_whose_distribution_is_not_installed(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "sidcontent-not-installed"\n')
    result = check(str(tmp_path))
    assert result.exit_code == 1
    assert f"(pip install -e {tmp_path})" in result.stdout
