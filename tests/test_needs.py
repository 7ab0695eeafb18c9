"""Issue 9: needs shape the project. Derived defaults, and the same scores from every command.

Runs the CLI in a subprocess with no terminal, exactly as a script would.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .test_cli import cli

FLAG_SETS = [
    ["--purpose", "web-app"],
    ["--purpose", "internal-tool", "--concurrency", "low"],
    ["--purpose", "realtime"],
    ["--purpose", "web-app", "--no-html-pages"],
    ["--purpose", "api", "--html-pages", "--websockets"],
]


@pytest.mark.parametrize("flags", FLAG_SETS, ids=lambda f: "_".join(f).replace("--", ""))
def test_recommend_and_new_give_the_same_scores(tmp_path: Path, flags: list[str]) -> None:
    recommended = cli("recommend", "--json", *flags, cwd=tmp_path)
    assert recommended.returncode == 0, recommended.stderr
    created = cli("new", "svc", "--yes", "--dry-run", "--json", *flags, cwd=tmp_path)
    assert created.returncode == 0, created.stderr
    new = json.loads(created.stdout)
    rec = json.loads(recommended.stdout)
    assert new["recommendation"]["scores"] == rec["recommendation"]["scores"]
    assert {k: new["answers"][k] for k in rec["needs"]} == rec["needs"]


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        (["--purpose", "web-app"], {"html_pages": True, "websockets": False}),
        (["--purpose", "internal-tool"], {"html_pages": True}),
        (["--purpose", "realtime"], {"websockets": True, "html_pages": False}),
        (["--purpose", "api"], {"websockets": False, "html_pages": False}),
        (["--purpose", "web-app", "--no-html-pages"], {"html_pages": False}),  # explicit wins
        (["--purpose", "realtime", "--no-websockets"], {"websockets": False}),
        (["--purpose", "web-app", "--framework", "flask"], {"auth": "session"}),
        (["--purpose", "web-app", "--framework", "fastapi"], {"auth": "none"}),
    ],
)
def test_purpose_derives_option_defaults(
    tmp_path: Path, flags: list[str], expected: dict[str, object]
) -> None:
    proc = cli("new", "svc", "--yes", "--dry-run", "--json", *flags, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    answers = json.loads(proc.stdout)["answers"]
    assert {k: answers[k] for k in expected} == expected


@pytest.mark.parametrize(
    ("flags", "docs_step"),
    [
        (["--framework", "fastapi"], "http://127.0.0.1:8000/docs (API docs)"),
        (["--framework", "flask", "--purpose", "learning"], "8000/openapi/swagger (API docs)"),
        (["--framework", "flask", "--no-api-docs"], None),
        (["--framework", "fastapi", "--purpose", "prototype", "--no-api-docs"], None),
    ],
)
def test_next_steps_follow_api_docs_and_shape(
    tmp_path: Path, flags: list[str], docs_step: str | None
) -> None:
    proc = cli("new", "svc", "--yes", "--no-lock", "--no-git", *flags, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    if docs_step is None:
        assert "(API docs)" not in proc.stdout
    else:
        assert docs_step in proc.stdout
    minimal = "--purpose" in flags
    assert ("alembic upgrade head" in proc.stdout) is (not minimal)
