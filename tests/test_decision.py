"""The decision record every project gets: docs/decisions/0001-framework.md (issue 9).

It is rendered from `.copier-answers.yml` alone, so it must agree with `recommend`, survive a
plain `copier update` unchanged, and follow the needs when `pyapi-scaffold update -d` changes one.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml

from .test_cli import cli
from .test_update import (  # noqa: F401  (fixtures)
    NEW,
    _copier,
    as_version,
    commit_all,
    env,
    generate,
    scaffold,
    versions,
)

ADR = "docs/decisions/0001-framework.md"


@pytest.mark.parametrize(
    ("flags", "overridden"),
    [
        (["--purpose", "web-app", "--framework", "fastapi", "--concurrency", "high"], True),
        (["--purpose", "api", "--team-experience", "flask"], False),
        (["--purpose", "learning", "--framework", "flask"], False),
    ],
)
def test_the_record_states_needs_scores_criteria_override_and_flip(
    tmp_path: Path, flags: list[str], overridden: bool
) -> None:
    cut = flags.index("--framework") if "--framework" in flags else len(flags)
    needs_flags = flags[:cut] + flags[cut + 2 :]
    rec = json.loads(cli("recommend", "--json", *needs_flags, cwd=tmp_path).stdout)
    proc = cli("new", "svc", "--yes", "--no-lock", "--no-git", *flags, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    project = tmp_path / "svc"
    record = (project / ADR).read_text()
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    for heading in ("## Context", "## Decision", "## Consequences"):
        assert heading in record
    for key, value in rec["needs"].items():
        shown = ("yes" if value else "no") if isinstance(value, bool) else value
        assert f"(`{key}`) | {shown} |" in record, key
    scores = rec["recommendation"]["scores"]
    assert f"Scores: FastAPI {scores['fastapi']}, Flask {scores['flask']}." in record
    for reason in rec["recommendation"]["reasons"]:
        assert f"| {reason['title']} | {reason['reason']} | {reason['source']} |" in record
    assert ("**overrides**" in record) is overridden
    assert rec["flip"]["description"] in record
    assert answers["decision"]["recommended"] == rec["recommendation"]["framework"]


@pytest.mark.slow
@pytest.mark.usefixtures("env")
def test_plain_copier_update_keeps_it_and_a_changed_need_rewrites_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    project = generate(tmp_path, capsys, "flask", "--purpose", "web-app")
    record = (project / ADR).read_text()
    assert "It is pyapi-scaffold's recommendation." in record

    # Plain Copier, to the next template version: the record is rendered from the answers file.
    plain = _copier(project, Path(os.environ["HOME"]), "update", "--defaults")
    assert plain.returncode == 0, plain.stderr
    assert (project / ADR).read_text() == record
    commit_all(project, "update")

    # A changed need changes the record: an API now, so Flask is an override.
    as_version(monkeypatch, NEW)
    result = scaffold(
        capsys,
        "update",
        str(project),
        "-d",
        "purpose=api",
        "-d",
        "html_pages=false",
        "-d",
        "auth=none",
    )
    assert result.code == 0, result.err
    changed = (project / ADR).read_text()
    assert "| what we are building (`purpose`) | api |" in changed
    assert "**overrides**" in changed and "which was\nFastAPI" in changed
    # `decision` is bookkeeping: the update summary lists only the answers the person changed.
    assert "answer decision" not in result.out
