"""The README's table "need -> what changes" is checked row by row against real renders (issue 9).

The table is parsed from the README at collection time; every row needs an entry in ``CHECKS``
(keyed by the need and the answer cell), so a row added without a check fails, and a check whose
row was removed fails too. Renders go through Copier directly (the working tree), about a second
each.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from .support.projects import REPO_ROOT, render

TABLE_MARKER = "<!-- needs-effects:"


def readme_rows() -> list[tuple[str, str]]:
    """(need, answer cell) for every row of the README's needs table."""
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    table = text[text.index(TABLE_MARKER) :].split("\n\n", 1)[0]
    rows = []
    for line in table.splitlines()[3:]:  # marker, header, separator
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        rows.append((cells[0], cells[1]))
    return rows


def files(project: Path) -> set[str]:
    return {
        p.relative_to(project).as_posix()
        for p in project.rglob("*")
        if p.is_file() and ".git" not in p.parts
    }


def answers(project: Path) -> dict[str, object]:
    return dict(yaml.safe_load((project / ".copier-answers.yml").read_text()))


def text(project: Path, name: str) -> str:
    return (project / name).read_text(encoding="utf-8")


def same_tree(a: Path, b: Path) -> None:
    """Byte-identical projects apart from the recorded answers (and the decision record)."""
    ignored = {".copier-answers.yml", "docs/decisions/0001-framework.md"}
    assert files(a) == files(b)
    for name in sorted(files(a) - ignored):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


# ---------------------------------------------------------------- one check per row


def check_pages_purposes(tmp: Path) -> None:
    for purpose in ("web-app", "internal-tool"):
        for framework in ("fastapi", "flask"):
            project = render(
                tmp / purpose, project_name=framework, purpose=purpose, framework=framework
            )
            recorded = answers(project)
            assert recorded["html_pages"] is True
            assert recorded["auth"] == ("session" if framework == "flask" else "none")
            assert any("/templates/" in name for name in files(project))


def check_realtime(tmp: Path) -> None:
    for framework in ("fastapi", "flask"):
        project = render(tmp, project_name=framework, purpose="realtime", framework=framework)
        assert answers(project)["websockets"] is True
        assert "tests/test_websockets.py" in files(project)


def check_api(tmp: Path) -> None:
    for framework in ("fastapi", "flask"):
        api = render(tmp / framework, purpose="api", framework=framework)
        assert answers(api)["shape"] == "service"
        assert any("items" in name for name in files(api))


def check_ml_serving(tmp: Path) -> None:
    """Issue 10: the ML shape, both frameworks; workers follow concurrency (no state pins them)."""
    for framework in ("fastapi", "flask"):
        ml = render(tmp / framework, purpose="ml-serving", framework=framework, concurrency="high")
        assert answers(ml)["shape"] == "ml"
        names = files(ml)
        assert {"src/demo/model.py", "src/demo/artifacts/demo-model.json"} <= names
        assert not any("items" in name or "migrations" in name for name in names)
        assert "WEB_CONCURRENCY=4" in text(ml, "Dockerfile")
        assert "/health/ready" in text(ml, "Dockerfile")
    shaped = render(tmp / "s", purpose="ml-serving", shape="service", framework="fastapi")
    assert any("items" in name for name in files(shaped))


def check_prototype_learning(tmp: Path) -> None:
    for framework in ("fastapi", "flask"):
        prototype = render(
            tmp / "p", project_name=framework, purpose="prototype", framework=framework
        )
        learning = render(
            tmp / "l", project_name=framework, purpose="learning", framework=framework
        )
        for project in (prototype, learning):
            assert answers(project)["shape"] == "minimal"
            names = files(project)
            assert f"src/{framework}/app.py" in names
            assert not {"Dockerfile", "alembic.ini", ".github/workflows/ci.yml"} & names
            assert not any(name.startswith(("migrations/", "k8s/")) for name in names)
        # Only the learning project's code is commented for a learner.
        assert "# A fixture:" in text(learning, "tests/test_app.py")
        assert "# A fixture:" not in text(prototype, "tests/test_app.py")
        service = render(
            tmp / "s",
            project_name=framework,
            purpose="learning",
            framework=framework,
            shape="service",
        )
        assert (
            "README.md" in files(service)
            and (service / "src" / framework / "settings.py").is_file()
        )


CONCURRENCY = {"low": (1, 5, 16, 1, 3), "moderate": (2, 10, 64, 2, 6), "high": (4, 20, 128, 3, 12)}


def check_concurrency(tmp: Path) -> None:
    for level, (workers, pool, threads, hpa_min, hpa_max) in CONCURRENCY.items():
        options = {"concurrency": level, "database": "postgres", "kubernetes": True}
        fastapi = render(tmp / level, project_name="fa", framework="fastapi", **options)
        flask = render(tmp / level, project_name="fl", framework="flask", **options)
        for project in (fastapi, flask):
            assert f"WEB_CONCURRENCY={workers}\n" in text(project, ".env.example")
            assert f"DB_POOL_SIZE={pool}\n" in text(project, ".env.example")
            assert f"    WEB_CONCURRENCY={workers}\n" in text(project, "Dockerfile")
            assert f'WEB_CONCURRENCY: "{workers}"' in text(project, "compose.yaml")
            assert f'WEB_CONCURRENCY: "{workers}"' in text(project, "k8s/configmap.yaml")
            hpa = yaml.safe_load(text(project, "k8s/hpa.yaml"))["spec"]
            assert (hpa["minReplicas"], hpa["maxReplicas"]) == (hpa_min, hpa_max)
        settings = text(fastapi, "src/fa/settings.py")
        assert f"web_concurrency: int = {workers}\n" in settings
        assert f"db_pool_size: int = {pool}\n" in settings
        settings = text(flask, "src/fl/settings.py")
        assert f"Field(default={workers}, ge=1)" in settings
        assert f"blocking_threads: int = Field(default={threads}, ge=1)" in settings
        assert f"BLOCKING_THREADS={threads}\n" in text(flask, ".env.example")
        high_note = "## Sized for high concurrency" in text(fastapi, "README.md")
        assert not high_note  # PostgreSQL already: no advice to move
    # State in process memory keeps one worker whatever the load.
    project = render(tmp / "mem", concurrency="high", framework="flask", database="none")
    assert "WEB_CONCURRENCY=1\n" in text(project, ".env.example")
    # WebSocket rooms go through Redis (REDIS_URL), so they do not pin the worker count.
    project = render(
        tmp / "ws", concurrency="high", framework="flask", database="sqlite", websockets=True
    )
    assert "WEB_CONCURRENCY=4\n" in text(project, ".env.example")
    assert "REDIS_URL" in text(project, ".env.example")
    sqlite = render(tmp / "sqlite", concurrency="high", framework="fastapi", database="sqlite")
    assert "pyapi-scaffold update -d database=postgres" in text(sqlite, "README.md")
    assert answers(sqlite)["database"] == "sqlite"  # high keeps SQLite as the default


def check_websockets(tmp: Path) -> None:
    for framework in ("fastapi", "flask"):
        project = render(tmp, project_name=framework, framework=framework, websockets=True)
        assert "tests/test_websockets.py" in files(project)
        assert any(name.endswith("ws.py") for name in files(project))


def check_html_pages(tmp: Path) -> None:
    for framework in ("fastapi", "flask"):
        project = render(tmp, project_name=framework, framework=framework, html_pages=True)
        assert "tests/test_pages.py" in files(project)
        assert any(name.endswith("/static/style.css") for name in files(project))


def check_api_docs(tmp: Path) -> None:
    for framework in ("fastapi", "flask"):
        project = render(tmp, project_name=framework, framework=framework, api_docs=False)
        names = files(project)
        assert "tests/test_docs.py" not in names
        assert "tests/test_openapi.py" in names  # the schema stays, and /docs is a 404
        assert not any(name.endswith("/docs.py") for name in names)
        pyproject = text(project, "pyproject.toml")
        assert "fastapi-offline" not in pyproject and "[swagger,redoc]" not in pyproject
        assert not re.search(r"\d/docs\b|/redoc", text(project, "README.md"))


def check_concept_map(tmp: Path) -> None:
    fastapi = render(tmp, project_name="fa", framework="fastapi", team_experience="flask")
    flask = render(tmp, project_name="fl", framework="flask", team_experience="fastapi")
    assert "## Coming from Flask" in text(fastapi, "README.md")
    assert "## Coming from FastAPI" in text(flask, "README.md")


def check_team_recommendation_only(tmp: Path) -> None:
    base = render(tmp / "base", framework="fastapi", team_experience="none")
    for value in ("both", "fastapi"):
        same_tree(base, render(tmp / value, framework="fastapi", team_experience=value))


def check_flask_extensions(tmp: Path) -> None:
    base = render(tmp / "off", framework="flask")
    same_tree(base, render(tmp / "on", framework="flask", flask_extensions=True))


CHECKS: dict[tuple[str, str], Callable[[Path], None]] = {
    ("purpose", "`web-app`, `internal-tool`"): check_pages_purposes,
    ("purpose", "`realtime`"): check_realtime,
    ("purpose", "`api`"): check_api,
    ("purpose", "`ml-serving`"): check_ml_serving,
    ("purpose", "`prototype`, `learning`"): check_prototype_learning,
    ("concurrency", "`low`, `moderate`, `high`"): check_concurrency,
    ("websockets", "`true`"): check_websockets,
    ("html_pages", "`true`"): check_html_pages,
    ("api_docs", "`false`"): check_api_docs,
    ("team_experience", "`flask` (FastAPI project), `fastapi` (Flask project)"): check_concept_map,
    ("team_experience", "`none`, `both`, or the generated framework"): (
        check_team_recommendation_only
    ),
    ("flask_extensions", "`true`"): check_flask_extensions,
}


def test_every_row_has_a_check_and_every_check_a_row() -> None:
    rows = readme_rows()
    assert len(rows) == len(set(rows)), "duplicate rows in the README's needs table"
    assert set(rows) == set(CHECKS), set(rows) ^ set(CHECKS)


@pytest.mark.parametrize(
    "row", readme_rows(), ids=lambda row: f"{row[0]}={re.sub(r'[^a-z-]+', '_', row[1])}"
)
def test_readme_row_holds(tmp_path: Path, row: tuple[str, str]) -> None:
    check = CHECKS.get(row)
    assert check is not None, f"README needs-table row {row} has no check in CHECKS"
    check(tmp_path)
