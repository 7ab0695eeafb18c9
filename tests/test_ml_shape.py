"""The ML model serving shape (issue 10): chosen by the purpose, its options refused in one line.

The generated projects themselves are checked by tests/matrix/test_ml_matrix.py (slow) and
test_fast_matrix.py; update's refusal to switch into or out of the shape by test_shapes.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pyapi_scaffold import cli, shapes


@pytest.mark.parametrize(
    ("answers", "shape"),
    [
        ({"purpose": "ml-serving"}, "ml"),
        ({"purpose": "ml-serving", "websockets": True}, "service"),
        ({"purpose": "ml-serving", "html_pages": True}, "service"),
        ({"purpose": "api"}, "service"),
        ({"purpose": "learning"}, "minimal"),
    ],
)
def test_the_purpose_implies_the_shape(answers: dict[str, object], shape: str) -> None:
    assert shapes.default_shape(answers) == shape


@pytest.mark.parametrize("framework", ["fastapi", "flask"])
def test_template_folder(framework: str) -> None:
    answers = {"framework": framework, "purpose": "ml-serving"}
    assert shapes.template_folder(answers) == f"{framework}-ml"


def _new(capsys: pytest.CaptureFixture[str], tmp_path: Path, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = cli.main(["new", "svc", "--yes", "--dry-run", "--json", "-o", str(tmp_path), *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("framework", ["fastapi", "flask"])
def test_new_renders_the_ml_shape_for_both_frameworks(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, framework: str
) -> None:
    code, out, err = _new(capsys, tmp_path, "--purpose", "ml-serving", "--framework", framework)
    assert code == 0, err
    result = json.loads(out)
    assert result["answers"]["shape"] == "ml"
    assert "database" not in result["answers"] and "auth" not in result["answers"]
    files = set(result["files"])
    assert {"src/svc/model.py", "src/svc/artifacts/demo-model.json", "Dockerfile"} <= files
    assert not any("items" in name for name in files)
    assert not list(tmp_path.iterdir())  # a dry run writes nothing


@pytest.mark.parametrize(
    ("args", "word"),
    [
        (("-d", "database=sqlite"), "database=sqlite"),
        (("-d", "auth=jwt"), "auth=jwt"),
        (("-d", "shape=ml", "--html-pages"), "html_pages=True"),
        (("-d", "shape=ml", "--websockets"), "websockets=True"),
    ],
)
def test_options_the_ml_shape_does_not_offer_are_refused_in_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, args: tuple[str, ...], word: str
) -> None:
    code, _, err = _new(capsys, tmp_path, "--purpose", "ml-serving", *args)
    assert code == 2
    assert err.count("\n") == 1 and word in err and "not part of the ML shape" in err, err
    assert "-d shape=service" in err
    assert len(err) <= 200 + 40  # one line of about 200 characters (plus the "error: " prefix)
    assert not list(tmp_path.iterdir())


def test_the_escape_hatch_gives_an_ml_project_a_database(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = _new(
        capsys, tmp_path, "--purpose", "ml-serving", "-d", "shape=service", "-d", "database=sqlite"
    )
    assert code == 0, err
    assert json.loads(out)["answers"]["shape"] == "service"


def test_update_data_for_a_project_older_than_shapes_is_a_service(tmp_path: Path) -> None:
    """A project made before shapes existed records no shape: it is a service, so a database may
    still be added to it, even with purpose ml-serving (which now implies the ML shape)."""
    from pyapi_scaffold.errors import UsageError
    from pyapi_scaffold.update import ProjectState, parse_update_data

    answers = {"purpose": "ml-serving", "framework": "fastapi", "database": "none"}
    old = ProjectState(tmp_path, answers, None, "0.1.0")
    assert parse_update_data(old, ["database=sqlite"], None) == {"database": "sqlite"}
    ml = ProjectState(tmp_path, {**answers, "shape": "ml"}, None, "0.9.0")
    with pytest.raises(UsageError, match="database=sqlite is not part of the ML shape"):
        parse_update_data(ml, ["database=sqlite"], None)
