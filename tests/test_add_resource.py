"""`pyapi-scaffold add resource` (issue 12): the command's contract, on real rendered projects.

Bad input is exit 2 with one line and leaves the project untouched; --dry-run lists the files
and writes nothing; a resource is served and found by the app without edits. The generated
project's own checks (ruff, format, mypy, pytest, migrations) run in tests/matrix/.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from pyapi_scaffold import cli
from tests.support.projects import render

FIELDS = ["--field", "name:str:80", "--field", "email:str:unique"]


def _git(project: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=project, check=True, capture_output=True, text=True
    ).stdout


def _commit(project: Path, message: str = "step") -> None:
    _git(project, "add", "-A")
    _git(project, "-c", "user.name=T", "-c", "user.email=t@example.com", "commit", "-qm", message)


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = render(tmp_path_factory.mktemp("base"), project_name="shop", database="sqlite")
    _git(project, "init", "-q")
    _commit(project, "generated")
    return project


@pytest.fixture
def project(base: Path, tmp_path: Path) -> Path:
    """A fresh clone of the rendered project (rendering once per module keeps this fast)."""
    subprocess.run(["git", "clone", "-q", str(base), str(tmp_path / "shop")], check=True)
    return tmp_path / "shop"


def scaffold(capsys: pytest.CaptureFixture[str], project: Path, *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = cli.main(["add", "resource", *argv, "-C", str(project)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _snapshot(project: Path) -> str:
    return _git(project, "status", "--porcelain", "--untracked-files=all") + _git(
        project, "rev-parse", "HEAD"
    )


def test_add_writes_the_resource_and_the_app_serves_it(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = scaffold(capsys, project, "customer", *FIELDS)
    assert code == 0, err
    files = {
        ".copier-answers.resource-customer.yml",
        "src/shop/resources/customer.py",
        "tests/test_resource_customer.py",
    }
    untracked = _git(project, "status", "--porcelain", "--untracked-files=all")
    written = {line[3:] for line in untracked.splitlines()}
    migration = next(f for f in written if f.startswith("migrations/versions/"))
    assert migration.endswith("_create_customers.py")
    assert written == files | {migration}
    assert "alembic upgrade head" in out
    answers = yaml.safe_load((project / ".copier-answers.resource-customer.yml").read_text())
    assert answers["generator"] == "resource"
    assert answers["resource_down_revision"] == "0003"  # the head when it was added
    assert {"framework", "database", "auth", "html_pages", "package_name"} <= answers.keys()
    # The next resource follows this one's migration: a linear history.
    _commit(project)
    code, _, err = scaffold(capsys, project, "order", "--field", "customer:ref")
    assert code == 0, err
    order = yaml.safe_load((project / ".copier-answers.resource-order.yml").read_text())
    assert order["resource_down_revision"] == answers["resource_revision"]


def test_dry_run_lists_the_files_and_writes_nothing(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _snapshot(project)
    code, out, err = scaffold(capsys, project, "line", "--dry-run", *FIELDS)
    assert code == 0, err
    assert "Dry run" in out
    assert "src/shop/resources/line.py" in out
    assert "tests/test_resource_line.py" in out
    assert _snapshot(project) == before


BAD_INPUT = [
    (["class", *FIELDS], "Python keyword"),
    (["json", *FIELDS], "shadow"),
    (["settings", *FIELDS], "used by the project itself"),
    (["items", *FIELDS], "used by the project itself"),
    (["pydantic", *FIELDS], "shadow"),
    (["Order", *FIELDS], "not a valid resource name"),
    (["order", "--field", "total:money"], "unknown field type"),
    (["order", "--field", "a:int", "--field", "a:str"], "given twice"),
    (["order", "--field", "id:int"], "reserved"),
    (["order", "--field", "metadata:str"], "reserved"),
    (["order", "--field", "query:str"], "reserved"),
    (["order", "--field", "customer:ref"], "not a resource of this project"),
    (["order"], "give the resource and its fields"),
]


@pytest.mark.parametrize(("argv", "message"), BAD_INPUT, ids=[" ".join(a) for a, _ in BAD_INPUT])
def test_bad_input_is_one_line_exit_2_and_nothing_written(
    project: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    before = _snapshot(project)
    code, _, err = scaffold(capsys, project, *argv)
    assert code == 2
    assert err.startswith("error: ")
    assert message in err
    assert err.count("\n") == 1
    assert len(err) < 260
    assert _snapshot(project) == before


def test_existing_and_plural_clashes(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert scaffold(capsys, project, "order", *FIELDS)[0] == 0
    _commit(project)
    for name, message in (("order", "already exists"), ("orders", "singular/plural")):
        code, _, err = scaffold(capsys, project, name, *FIELDS)
        assert (code, message in err) == (2, True), err


def test_dirty_tree_outside_project_newer_tool(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "scratch.txt").write_text("uncommitted\n")
    code, _, err = scaffold(capsys, project, "order", *FIELDS)
    assert code == 2
    assert "uncommitted changes" in err
    (project / "scratch.txt").unlink()

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code, _, err = scaffold(capsys, elsewhere, "order", *FIELDS)
    assert code == 2
    assert "not a project generated by pyapi-scaffold" in err

    answers = project / ".copier-answers.yml"
    answers.write_text(answers.read_text() + "_commit: v99.0.0\n")
    _commit(project)
    code, _, err = scaffold(capsys, project, "order", *FIELDS)
    assert code == 2
    assert "newer than this pyapi-scaffold" in err


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"shape": "minimal", "database": "sqlite"}, "service projects"),
        ({"shape": "minimal", "framework": "flask"}, "service projects"),
        ({"purpose": "ml-serving", "shape": "ml"}, "model-serving (ml) project has no database"),
    ],
)
def test_other_shapes_are_refused_with_what_to_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], answers: dict[str, str], message: str
) -> None:
    project = render(tmp_path, project_name="tiny", **answers)
    _git(project, "init", "-q")
    _commit(project)
    code, _, err = scaffold(capsys, project, "order", *FIELDS)
    assert code == 2
    assert message in err
    assert err.count("\n") == 1


# ---------------------------------------------------------------- remove resource


def remove(capsys: pytest.CaptureFixture[str], project: Path, *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = cli.main(["remove", "resource", *argv, "-C", str(project)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _added(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert scaffold(capsys, project, "customer", *FIELDS)[0] == 0
    _commit(project)
    assert scaffold(capsys, project, "order", "--field", "customer:ref")[0] == 0
    _commit(project)


def test_remove_deletes_the_files_and_adds_a_drop_migration(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _added(project, capsys)
    create = next((project / "migrations/versions").glob("*_create_orders.py"))
    before = _snapshot(project)
    code, out, _ = remove(capsys, project, "order", "--dry-run")
    assert code == 0
    assert "would remove" in out
    assert _snapshot(project) == before

    code, out, err = remove(capsys, project, "order")
    assert code == 0, err
    status = _git(project, "status", "--porcelain", "--untracked-files=all").splitlines()
    deleted = {line[3:] for line in status if line.startswith(" D")}
    assert deleted == {
        ".copier-answers.resource-order.yml",
        "src/shop/resources/order.py",
        "tests/test_resource_order.py",
    }
    [added] = [line[3:] for line in status if line.startswith("??")]
    assert added.endswith("_drop_orders.py")
    assert create.is_file()  # history is append-only
    drop = (project / added).read_text()
    order = yaml.safe_load(_git(project, "show", "HEAD:.copier-answers.resource-order.yml"))
    assert f'down_revision: str | None = "{order["resource_revision"]}"' in drop
    assert 'op.drop_table("orders")' in drop.split("def downgrade")[0]
    assert 'op.create_table(\n        "orders"' in drop.split("def downgrade")[1]


def test_remove_refuses_referenced_edited_and_unknown_leaving_the_tree_untouched(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _added(project, capsys)
    module = project / "src/shop/resources/order.py"
    module.write_text(module.read_text() + "# mine\n")
    _commit(project)
    before = _snapshot(project)
    for argv, message in (
        (["customer"], "referred to by order.customer"),
        (["order"], "was edited"),
        (["nothing"], "no resource 'nothing'"),
    ):
        code, _, err = remove(capsys, project, *argv)
        assert (code, message in err, err.count("\n")) == (2, True, 1), err
        assert _snapshot(project) == before
    code, _, err = remove(capsys, project, "order", "--force")
    assert code == 0, err
    assert not module.exists()
