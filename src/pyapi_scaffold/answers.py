"""Answers given without a prompt: `--data KEY=VALUE`, `--data-file FILE` and the needs flags.

Precedence, most specific last: the answers file, then `--data`, then dedicated flags. The same
key given two different values by two sources is refused rather than silently resolved. Keys that
start with '_' are Copier metadata (`_src_path`, `_commit`), so an existing `.copier-answers.yml`
can be passed as `--data-file` to generate a sibling project.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from pyapi_scaffold.errors import UsageError


def parse_data_pairs(pairs: Iterable[str]) -> dict[str, str]:
    """`["a=1", "b=x=y"]` -> `{"a": "1", "b": "x=y"}`; a pair without '=' is a usage error."""
    parsed: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise UsageError(f"--data expects KEY=VALUE, got {pair!r}")
        if key in parsed and parsed[key] != value:
            raise UsageError(f"--data gives {key} twice ({parsed[key]!r} and {value!r})")
        parsed[key] = value
    return parsed


def load_data_file(path: Path) -> dict[str, Any]:
    """Read a YAML mapping of answers; every way it can be wrong is one clear line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"answers file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as err:
        raise UsageError(f"cannot read answers file {path}: {err}") from None
    try:
        loaded = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(err, "problem", None) or "invalid YAML"
        raise UsageError(f"answers file {path} is not valid YAML{where}: {problem}") from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise UsageError(f"answers file {path} must be a YAML mapping of KEY: VALUE")
    return {str(k): v for k, v in loaded.items() if not str(k).startswith("_")}


def merge_sources(*sources: tuple[str, Mapping[str, Any]]) -> dict[str, Any]:
    """Merge (label, answers) sources in order; conflicting values for one key are refused."""
    merged: dict[str, Any] = {}
    origin: dict[str, str] = {}
    for label, answers in sources:
        for key, value in answers.items():
            if key in merged and _normal(merged[key]) != _normal(value):
                first = f"{merged[key]!r} by {origin[key]}"
                raise UsageError(f"{key} is given twice: {first} and {value!r} by {label}")
            merged[key] = value
            origin[key] = label
    return merged


def _normal(value: Any) -> str:
    return str(value).strip().lower()
