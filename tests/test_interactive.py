"""The interactive flow on a real pseudo-terminal (pexpect): prompts, defaults, Ctrl-C.

A person answers the needs questions (questionary), sees the recommendation, accepts or overrides
it, then answers the project questions (Copier's prompts). Ctrl-C at any prompt exits 130 and
leaves nothing behind.
"""

from __future__ import annotations

import io
import os
import re
import sys
import time
from pathlib import Path

import pexpect
import pytest
import yaml

from pyapi_scaffold.needs import IMPLIED_OPTIONS, NEEDS_KEYS
from pyapi_scaffold.questions import is_asked, load_questions, resolved_defaults

from .support.projects import REPO_ROOT, TEMPLATES

pytestmark = pytest.mark.terminal

DOWN = "\x1b[B"
ENTER = "\r"
CTRL_C = "\x03"
FRAMEWORK_PROMPT = "Which framework should the project use?"
REVIEW_PROMPT = "Write the project?"
QUESTIONS = load_questions(TEMPLATES)


def prompts_in_order(given: set[str], answers: dict[str, object]) -> list[str]:
    """The prompt texts the flow shows, in order: needs, the framework, then Copier's questions."""
    implied = IMPLIED_OPTIONS.get(str(answers.get("purpose", "api")), {})
    texts = [QUESTIONS[k].help for k in NEEDS_KEYS if k not in given and k not in implied]
    if "framework" not in given:
        texts.append(FRAMEWORK_PROMPT)
    context = resolved_defaults(QUESTIONS, answers)
    skipped = {*NEEDS_KEYS, "framework", "project_name", *given}
    skipped |= {"decision", "shape"}  # recorded by pyapi-scaffold, never asked
    texts += [q.help for k, q in QUESTIONS.items() if k not in skipped and is_asked(q, context)]
    return [*texts, REVIEW_PROMPT]


def spawn(tmp_path: Path, *args: str, name: str | None = "svc") -> pexpect.spawn:
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env.update({"PROMPT_TOOLKIT_NO_CPR": "1", "TERM": "xterm", "COLUMNS": "120"})
    env["PYTHONPATH"] = str(REPO_ROOT / "src")  # the code in this checkout, whatever is installed
    child = pexpect.spawn(
        sys.executable,
        ["-m", "pyapi_scaffold", "new", *([name] if name else []), "--no-lock", *args],
        cwd=str(tmp_path),
        env=env,
        dimensions=(50, 120),
        encoding="utf-8",
        timeout=30,
    )
    child.logfile_read = io.StringIO()  # the whole transcript, for assertions
    return child


def answer(child: pexpect.spawn, prompts: list[str], replies: dict[str, str]) -> None:
    """Wait for each prompt in turn and answer it (Enter, or the keys given for its text)."""
    for text in prompts:
        child.expect_exact(text)
        time.sleep(0.2)  # let the prompt finish drawing before typing
        keys = next((k for fragment, k in replies.items() if fragment in text), "")
        child.send(keys + ENTER)


def finish(child: pexpect.spawn) -> int:
    child.expect(pexpect.EOF, timeout=60)
    child.close()
    assert child.exitstatus is not None
    return child.exitstatus


def test_defaults_through_every_prompt(tmp_path: Path) -> None:
    child = spawn(tmp_path)
    answer(child, prompts_in_order(set(), {}), {})
    child.expect_exact("Created")
    assert finish(child) == 0, child.before
    assert "locking dependencies (uv lock)" not in transcript(child)  # --no-lock: no such step
    answers = yaml.safe_load((tmp_path / "svc" / ".copier-answers.yml").read_text())
    assert answers["framework"] == "fastapi" and answers["purpose"] == "api"


def test_choices_change_the_recommendation(tmp_path: Path) -> None:
    child = spawn(tmp_path)
    prompts = prompts_in_order(set(), {"framework": "flask", "purpose": "web-app"})
    # -> server-rendered web app: the HTML-pages question is not asked again (issue 9)
    answer(child, prompts[:7], {"What are you building": DOWN})
    answer(child, prompts[7:], {})
    assert finish(child) == 0
    shown = transcript(child)
    assert "Recommended: Flask" in shown
    assert QUESTIONS["html_pages"].help not in shown
    answers = yaml.safe_load((tmp_path / "svc" / ".copier-answers.yml").read_text())
    assert answers["purpose"] == "web-app" and answers["framework"] == "flask"
    assert answers["html_pages"] is True and answers["auth"] == "session"  # derived defaults


def test_override_the_recommendation(tmp_path: Path) -> None:
    child = spawn(tmp_path)
    answer(child, prompts_in_order(set(), {"framework": "flask"}), {"Which framework": DOWN})
    assert finish(child) == 0
    answers = yaml.safe_load((tmp_path / "svc" / ".copier-answers.yml").read_text())
    assert answers["framework"] == "flask" and answers["purpose"] == "api"


def test_given_answers_are_not_asked(tmp_path: Path) -> None:
    child = spawn(
        tmp_path,
        "--purpose",
        "api",
        "--concurrency",
        "high",
        "--no-websockets",
        "--no-html-pages",
        "--api-docs",
        "--team-experience",
        "none",
        "--no-flask-extensions",
        "--framework",
        "fastapi",
        "-d",
        "database=none",
        "-d",
        "docker=false",
    )
    given = {*NEEDS_KEYS, "framework", "database", "docker"}
    prompts = prompts_in_order(given, {"docker": False})
    assert prompts[0] == QUESTIONS["package_name"].help
    answer(child, prompts, {})
    assert finish(child) == 0
    shown = transcript(child)
    for never_asked in ("What are you building", FRAMEWORK_PROMPT, "Database (", "compose.yaml"):
        assert never_asked not in shown


@pytest.mark.parametrize("stop_at", ["purpose", "framework", "author_name"])
def test_ctrl_c_at_any_prompt_leaves_nothing(tmp_path: Path, stop_at: str) -> None:
    child = spawn(tmp_path)
    prompts = prompts_in_order(set(), {})
    target = FRAMEWORK_PROMPT if stop_at == "framework" else QUESTIONS[stop_at].help
    answer(child, prompts[: prompts.index(target)], {})
    child.expect_exact(target)
    time.sleep(0.2)
    child.send(CTRL_C)
    assert finish(child) == 130
    shown = transcript(child)
    assert "interrupted" in shown and "Traceback" not in shown
    assert list(tmp_path.iterdir()) == []


def transcript(child: pexpect.spawn) -> str:
    """Everything the terminal showed, without colour and cursor escape sequences."""
    log = child.logfile_read
    assert isinstance(log, io.StringIO)
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", log.getvalue())


def test_slow_steps_show_progress_on_a_terminal(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["PYTHONPATH"] = str(REPO_ROOT / "src")
    child = pexpect.spawn(
        sys.executable,
        ["-m", "pyapi_scaffold", "new", "svc", "--yes", "-d", "database=none", "--install"],
        cwd=str(tmp_path), env=env, dimensions=(50, 120), encoding="utf-8", timeout=300,
    )  # fmt: skip
    child.logfile_read = io.StringIO()
    assert finish(child) == 0
    shown = transcript(child)
    assert "locking dependencies (uv lock)" in shown and "creating the environment" in shown
    assert (tmp_path / "svc" / ".venv").is_dir()


# Which auth choices each framework offers, and which it shows disabled (Copier's per-choice
# validators): exactly the combinations `-d auth=...` refuses are the ones that cannot be picked.
AUTH_OFFERED = {
    ("fastapi", False): ({"None", "JWT bearer tokens"}, {"Session login pages"}),
    ("fastapi", True): ({"None", "JWT bearer tokens"}, {"Session login pages"}),
    ("flask", False): ({"None", "JWT bearer tokens"}, {"Session login pages"}),
    ("flask", True): ({"None", "Session login pages"}, {"JWT bearer tokens"}),
}
ALL_BUT_AUTH = (
    "--purpose", "api", "--concurrency", "low", "--no-websockets", "--api-docs",
    "--team-experience", "none", "--no-flask-extensions", "-d", "package_name=svc",
    "-d", "description=d", "-d", "author_name=A", "-d", "author_email=a@example.com",
    "-d", "python_version=3.12", "-d", "database=none", "-d", "docker=false",
    "-d", "kubernetes=false", "-d", "ci=none", "--no-git",
)  # fmt: skip


@pytest.mark.parametrize(("framework", "html_pages"), sorted(AUTH_OFFERED))
def test_auth_prompt_offers_only_choices_that_work(
    tmp_path: Path, framework: str, html_pages: bool
) -> None:
    """Walk to Copier's auth prompt, read the menu, move past every choice and take the last one.

    Disabled choices are skipped by the arrow keys, so whatever a person can reach is valid: the
    recorded answer is one the flags accept and the project renders.
    """
    pages = "--html-pages" if html_pages else "--no-html-pages"
    child = spawn(tmp_path, *ALL_BUT_AUTH, pages, "--framework", framework)
    child.expect_exact(QUESTIONS["auth"].help)
    child.expect_exact("Session login pages")  # the last choice: the whole menu is drawn
    time.sleep(0.3)
    child.send(DOWN * 5 + ENTER)  # try to walk onto every choice, disabled ones included
    child.expect_exact(REVIEW_PROMPT)
    time.sleep(0.2)
    child.send(ENTER)
    assert finish(child) == 0, transcript(child)[-2000:]
    shown = transcript(child)
    menu = shown[shown.index(QUESTIONS["auth"].help) :]
    menu = menu[: menu.index(QUESTIONS["auth"].help, 1)]
    enabled, disabled = AUTH_OFFERED[framework, html_pages]
    for label in disabled:
        assert re.search(rf"- {label}[^\n]*\(", menu), f"{label} should be disabled:\n{menu}"
    for label in enabled:
        assert re.search(rf"^\s*»?\s*{label}", menu, re.M), f"{label} should be offered:\n{menu}"
    answers = yaml.safe_load((tmp_path / "svc" / ".copier-answers.yml").read_text())
    picked = {"none": "None", "jwt": "JWT bearer tokens", "session": "Session login pages"}
    assert picked[answers["auth"]] in enabled


def test_review_before_writing_sums_up_and_can_stop(tmp_path: Path) -> None:
    """After the last question: one screen with framework, shape, options and destination."""
    child = spawn(tmp_path, "--purpose", "web-app", "--framework", "fastapi")
    prompts = prompts_in_order({"purpose", "framework"}, {"purpose": "web-app"})
    answer(child, prompts[:-1], {})
    child.expect_exact(REVIEW_PROMPT)
    time.sleep(0.2)
    child.send("n")
    assert finish(child) == 1
    shown = transcript(child)
    review = shown[shown.index("Review") :]
    assert "FastAPI, overridden: Flask was recommended" in review
    for label in ("shape", "database", "authentication", "HTML pages", "written to"):
        assert label in review, label
    assert str(tmp_path / "svc") in review.replace("\r\n", "")
    assert "cancelled at the review: nothing was written" in shown
    assert list(tmp_path.iterdir()) == []


def test_yes_skips_the_review(tmp_path: Path) -> None:
    child = spawn(tmp_path, "--yes")
    assert finish(child) == 0
    assert REVIEW_PROMPT not in transcript(child)
    assert (tmp_path / "svc" / ".copier-answers.yml").is_file()


def test_new_without_a_name_asks_for_it_and_explains_a_refused_one(tmp_path: Path) -> None:
    child = spawn(tmp_path, name=None)
    child.expect_exact("Project name")
    time.sleep(0.2)
    child.send("yaml" + ENTER)
    child.expect_exact("would shadow")  # refused in place, asked again
    child.send("\b" * 4 + "svc" + ENTER)
    answer(child, prompts_in_order(set(), {}), {})
    child.expect_exact("Created")
    assert finish(child) == 0
    answers = yaml.safe_load((tmp_path / "svc" / ".copier-answers.yml").read_text())
    assert answers["project_name"] == "svc" and answers["package_name"] == "svc"


def test_new_without_a_name_and_no_terminal_says_so(tmp_path: Path) -> None:
    import subprocess

    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["PYTHONPATH"] = str(REPO_ROOT / "src")
    proc = subprocess.run(
        [sys.executable, "-m", "pyapi_scaffold", "new", "--yes"], cwd=tmp_path, env=env,
        stdin=subprocess.DEVNULL, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1
    assert "pyapi-scaffold new NAME" in proc.stderr


def test_ml_serving_asks_no_database_or_auth_and_says_why(tmp_path: Path) -> None:
    """Issue 10: the ML shape offers neither, so Copier never asks; the review screen says so."""
    child = spawn(tmp_path, "--purpose", "ml-serving", "--framework", "flask")
    prompts = prompts_in_order({"purpose", "framework"}, {"purpose": "ml-serving"})
    assert QUESTIONS["database"].help not in prompts and QUESTIONS["auth"].help not in prompts
    answer(child, prompts, {})
    assert finish(child) == 0
    shown = transcript(child)
    assert "Database (" not in shown and "Authentication" not in shown
    assert "no database, auth, pages or WebSockets" in shown
    answers = yaml.safe_load((tmp_path / "svc" / ".copier-answers.yml").read_text())
    assert (answers["shape"], answers["framework"]) == ("ml", "flask")
    assert (tmp_path / "svc" / "src" / "svc" / "model.py").is_file()
