"""Project and package names: a table of what is accepted and why the rest is refused."""

from __future__ import annotations

import pytest

from pyapi_scaffold.names import check_package_name, check_project_name, package_name_for


@pytest.mark.parametrize(
    ("name", "package"),
    [
        ("myservice", "myservice"),
        ("my-service", "my_service"),
        ("My_Service2", "my_service2"),
        ("a", "a"),
        ("x" * 40, "x" * 40),
    ],
)
def test_accepted(name: str, package: str) -> None:
    assert check_project_name(name) is None
    assert package_name_for(name) == package


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("", "empty"),
        ("my service!", "not a valid project name"),
        ("123abc", "not a valid project name"),
        ("-abc", "not a valid project name"),
        ("a.b", "not a valid project name"),
        ("a/b", "path separator"),
        ("a\\b", "path separator"),
        ("..", "not a valid project name"),
        ("x" * 41, "at most 40"),
        ("x" * 200, "at most 40"),
        ("class", "keyword"),
        ("import", "keyword"),
        ("match", "keyword"),
        ("None", "keyword"),
        ("json", "standard-library"),
        ("typing", "standard-library"),
        ("fastapi", "shadow"),
        ("flask", "shadow"),
        ("tests", "shadow"),
        ("naïve", "not a valid project name"),
    ],
)
def test_refused_with_reason(name: str, why: str) -> None:
    problem = check_project_name(name)
    assert problem is not None and why in problem
    assert "\n" not in problem


def test_package_names_are_checked_too() -> None:
    assert check_package_name("ok_name") is None
    assert check_package_name("Bad") is not None
    assert check_package_name("for") is not None


@pytest.mark.parametrize(
    "name",
    ["x\ny", "x\x1b[31my", "a/" + "b" * 3000, "a/\nb"],
)
def test_refused_names_are_shown_escaped_and_short(name: str) -> None:
    """A hostile name must not split the error line, drive the terminal or flood it."""
    problem = check_project_name(name)
    assert problem is not None
    assert problem.isprintable() and len(problem) <= 200


def test_long_package_name_is_shown_short() -> None:
    problem = check_package_name("b" * 3000)
    assert problem is not None and len(problem) <= 200
