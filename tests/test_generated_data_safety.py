"""A generated project's tests never touch the developer's database.

The scenario the issue describes: `DATABASE_URL` (in the shell and in `.env`) points at a
development database that has the schema and rows in `items` and `users`. Running the project's
own `uv run pytest` must pass and leave every row exactly as it was, in both frameworks, on SQLite
and on PostgreSQL. On PostgreSQL, `TEST_DATABASE_URL` names that very development database: the
tests only use it to reach the server, and create (and drop) a database of their own.
"""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path

import pytest

from tests.support.projects import render, run, uv_sync

# (framework, command that migrates DATABASE_URL) — each project's documented migration command.
MIGRATE = {
    "fastapi": ("uv", "run", "alembic", "upgrade", "head"),
    "flask": ("uv", "run", "python", "-m", "{package}", "migrate"),
}
ROWS_SQL = (
    "INSERT INTO items (name, description, price) VALUES ('dev widget', 'keep me', 12.5);"
    "INSERT INTO items (name, description, price) VALUES ('dev gadget', NULL, 0);"
    "INSERT INTO users (username, password_hash) VALUES ('developer', 'not-a-real-hash');"
)
DUMP_SQL = (
    "SELECT 'items', id, name, description, CAST(price AS TEXT) FROM items "
    "UNION ALL SELECT 'users', id, username, password_hash, NULL FROM users ORDER BY 1, 2"
)


def _sqlite_dump(path: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as connection:
        return connection.execute(sql).fetchall()


def _psql(url: str, sql: str) -> str:
    proc = subprocess.run(
        ["psql", url, "-v", "ON_ERROR_STOP=1", "-A", "-t", "-q", "-c", sql],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return proc.stdout


def _params() -> list[pytest.ParameterSet]:
    params = []
    for framework in ("fastapi", "flask"):
        for database in ("sqlite", "postgres"):
            marks = [pytest.mark.slow]
            if database == "postgres":
                marks.append(pytest.mark.postgres)
            params.append(
                pytest.param(framework, database, marks=marks, id=f"{framework}-{database}")
            )
    return params


@pytest.mark.parametrize(("framework", "database"), _params())
def test_project_tests_leave_the_development_database_alone(
    tmp_path: Path, request: pytest.FixtureRequest, framework: str, database: str
) -> None:
    # A name of its own, so that the leftover check below cannot see a parallel test's database.
    package = f"safe_{framework}"
    project = render(
        tmp_path,
        project_name=package,
        framework=framework,
        database=database,
        auth="jwt",
        docker=False,
        kubernetes=False,
        ci="none",
    )
    uv_sync(project)
    if database == "sqlite":
        dev_file = tmp_path / "development.db"
        dev_url = f"sqlite:///{dev_file}"
    else:
        dev_url = str(request.getfixturevalue("postgres_url"))
    env = {"DATABASE_URL": dev_url}
    # The developer's database: migrated with the project's own command, then given data.
    run(project, *(arg.format(package=package) for arg in MIGRATE[framework]), env=env).check()
    rows_sql, dump_sql = ROWS_SQL, DUMP_SQL
    if database == "sqlite":
        with sqlite3.connect(dev_file) as connection:
            connection.executescript(rows_sql)
        before = _sqlite_dump(dev_file, dump_sql)
    else:
        _psql(dev_url, rows_sql)
        before = _psql(dev_url, dump_sql)
    assert before
    # `.env` points at it too, as a developer's often does.
    (project / ".env").write_text(f"DATABASE_URL={dev_url}\n")

    if database == "postgres":
        env["TEST_DATABASE_URL"] = dev_url
    result = run(project, "uv", "run", "pytest", "-q", "-p", "no:cacheprovider", env=env).check()
    assert " passed" in result.output

    after = _sqlite_dump(dev_file, dump_sql) if database == "sqlite" else _psql(dev_url, dump_sql)
    assert after == before, "the project's tests changed the development database"
    if database == "postgres":
        # The tests dropped the database they created; nothing of theirs is left behind.
        leftovers = _psql(
            dev_url, f"SELECT datname FROM pg_database WHERE datname LIKE 'test_{package}_%'"
        )
        assert leftovers.strip() == ""


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.parametrize("framework", ["fastapi", "flask"])
def test_postgres_project_tests_refuse_to_run_without_a_test_server(
    tmp_path: Path, request: pytest.FixtureRequest, framework: str
) -> None:
    """Only DATABASE_URL set: one line naming TEST_DATABASE_URL, a non-zero exit, no test ran."""
    project = render(
        tmp_path,
        framework=framework,
        database="postgres",
        docker=False,
        kubernetes=False,
        ci="none",
    )
    uv_sync(project)
    env = {"DATABASE_URL": str(request.getfixturevalue("postgres_url"))}
    result = run(project, "uv", "run", "pytest", "-q", "-p", "no:cacheprovider", env=env)
    assert result.returncode != 0
    assert "TEST_DATABASE_URL" in result.output
    assert "Traceback" not in result.output
    assert " passed" not in result.output
