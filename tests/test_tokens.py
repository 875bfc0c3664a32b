"""`sidcontent tokens`: create, list, revoke; secrets shown once, stored hashed."""

from __future__ import annotations

import hashlib

from sqlalchemy import text

from tests.auth_helpers import bearer, cli, make_token


def test_create_prints_secret_once_and_stores_only_its_hash(fresh_app):
    result = cli(fresh_app, "tokens", "create", "--name", "ed", "--role", "editor")
    assert result.exit_code == 0, result.output
    secret = result.stdout.strip().splitlines()[-1]
    assert secret.startswith("sid_") and len(secret) == 47
    assert "only its hash is stored" in result.stderr
    with fresh_app.extensions["sidcontent.db"].engine.connect() as conn:
        row = conn.execute(text("SELECT * FROM api_tokens WHERE name = 'ed'")).mappings().one()
    assert secret not in " ".join(str(v) for v in row.values())
    assert row["digest"] == hashlib.sha256(secret.encode()).hexdigest()

    listing = cli(fresh_app, "tokens", "list")
    assert listing.exit_code == 0
    assert "ed" in listing.stdout and "editor" in listing.stdout and "active" in listing.stdout
    assert secret not in listing.stdout and secret[8:] not in listing.stdout


def test_quiet_prints_only_the_secret(fresh_app):
    result = cli(fresh_app, "tokens", "create", "--name", "q", "--role", "marketer", "--quiet")
    assert result.exit_code == 0
    assert result.stdout.count("\n") == 1 and result.stdout.startswith("sid_")
    assert result.stderr == ""


def test_revoke_stops_the_token_at_once(fresh_app):
    client = fresh_app.test_client()
    secret = make_token(fresh_app, "m", "marketer")
    assert client.get("/api/v1/whoami", headers=bearer(secret)).status_code == 200
    result = cli(fresh_app, "tokens", "revoke", "m")
    assert result.exit_code == 0 and "revoked" in result.stdout
    response = client.get("/api/v1/whoami", headers=bearer(secret))
    assert response.status_code == 401
    assert "revoked" in response.get_json()["detail"]
    assert "revoked" in cli(fresh_app, "tokens", "list").stdout


def test_expiry_is_listed(fresh_app):
    make_token(fresh_app, "short", "publisher", "--expires", "7")
    listing = cli(fresh_app, "tokens", "list").stdout
    line = next(line for line in listing.splitlines() if line.startswith("short"))
    assert "never" not in line


def test_cli_errors_are_one_line(fresh_app):
    make_token(fresh_app, "dup", "admin")
    cases = [
        (["--name", "dup", "--role", "admin"], "already exists"),
        (["--name", "bad name!", "--role", "admin"], "token name"),
        (["--name", "x", "--role", "owner"], "owner"),
        (["--name", "x", "--role", "admin", "--expires", "0"], "--expires"),
        (["--name", "x", "--role", "admin", "--expires", "99999"], "--expires"),
    ]
    for args, fragment in cases:
        result = cli(fresh_app, "tokens", "create", *args)
        assert result.exit_code != 0, args
        assert fragment in result.output, (args, result.output)
        assert "Traceback" not in result.output
    for args, fragment in ((["nobody"], "no token named"), (["dup"], None)):
        result = cli(fresh_app, "tokens", "revoke", *args)
        if fragment:
            assert result.exit_code == 1 and fragment in result.output
    again = cli(fresh_app, "tokens", "revoke", "dup")
    assert again.exit_code == 1 and "already revoked" in again.output


def test_unmigrated_database_is_a_clear_error(tmp_path):
    from click.testing import CliRunner

    from sidcontent.cli import main

    env = {
        "SIDCONTENT_DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
        "SIDCONTENT_INSTANCE_PATH": str(tmp_path),
    }
    result = CliRunner().invoke(main, ["tokens", "list"], env=env)
    assert result.exit_code == 1
    assert "not migrated" in result.output


def test_anonymous_reads_never_touch_the_token_table(fresh_app):
    # Take the table away: anonymous reads must still work, since they never
    # look. Renamed, not dropped: studio sessions hold a foreign key to it,
    # which PostgreSQL will not let a DROP break (SQLite has no CASCADE).
    from sqlalchemy import text

    with fresh_app.extensions["sidcontent.db"].engine.begin() as conn:
        conn.execute(text("ALTER TABLE api_tokens RENAME TO api_tokens_gone"))
    client = fresh_app.test_client()
    assert client.get("/api/v1/messages").status_code == 200
    assert client.get("/api/v1/campaigns/sid-2017").status_code == 200
