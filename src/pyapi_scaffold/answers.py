"""Answers given without a prompt: `--data KEY=VALUE`, `--data-file FILE` and the needs flags.

Precedence, most specific last: the answers file, then `--data`, then dedicated flags (then the
NAME argument). A later source overrides an earlier one and the override is reported; only a true
contradiction inside one source (`-d a=1 -d a=2`) is refused. Keys that start with '_' are Copier
metadata (`_src_path`, `_commit`), so an existing `.copier-answers.yml` can be passed as
`--data-file` to generate a sibling project: its `package_name` was derived from its own
`project_name`, so it is dropped when a later source gives another project name.
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


# An answers file is a flat mapping of a few dozen short values. Anything far beyond that is a
# mistake or an attack (a 331-byte YAML alias bomb expands to hundreds of megabytes), so the file
# is checked as a stream of parser events before anything is built from it.
MAX_FILE_BYTES = 64 * 1024
MAX_DEPTH = 4
MAX_VALUES = 2000


def load_data_file(path: Path) -> dict[str, Any]:
    """Read a YAML mapping of answers; every way it can be wrong is one clear line."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise UsageError(
                f"answers file {path} is {size} bytes; an answers file has at most "
                f"{MAX_FILE_BYTES} (a few dozen KEY: VALUE lines)"
            )
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"answers file {path} does not exist") from None
    except UnicodeDecodeError:
        raise UsageError(f"answers file {path} is not UTF-8 text") from None
    except OSError as err:
        raise UsageError(f"cannot read answers file {path}: {err.strerror or err}") from None
    loaded = load_yaml(text, f"answers file {path}")
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise UsageError(f"answers file {path} must be a YAML mapping of KEY: VALUE")
    return {str(k): v for k, v in loaded.items() if not str(k).startswith("_")}


def load_yaml(text: str, what: str) -> Any:
    """``yaml.safe_load`` for small answers files: no aliases, shallow, bounded; one-line errors."""
    if len(text) > MAX_FILE_BYTES:
        raise UsageError(f"{what} is larger than {MAX_FILE_BYTES} bytes")
    try:
        depth = values = 0
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent):
                raise UsageError(f"{what} uses a YAML alias (*name); write the values out")
            if isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    raise UsageError(f"{what} is nested deeper than {MAX_DEPTH} levels")
            elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
                depth -= 1
            elif isinstance(event, yaml.ScalarEvent):
                values += 1
                if values > MAX_VALUES:
                    raise UsageError(f"{what} has more than {MAX_VALUES} keys and values")
        return yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = str(getattr(err, "problem", None) or "invalid YAML")[:80]
        raise UsageError(f"{what} is not valid YAML{where}: {problem}") from None


# An answer whose default is computed from another one: given by the same (or a lower) source as
# an overridden base, it belongs to the old base and is dropped.
DERIVED = {"package_name": "project_name"}


def merge_sources(
    *sources: tuple[str, Mapping[str, Any]], overrides: list[str] | None = None
) -> dict[str, Any]:
    """Merge (label, answers) sources in order, a later one overriding an earlier one.

    Each override (and each derived answer dropped with it) is described in ``overrides``.
    """
    merged: dict[str, Any] = {}
    rank: dict[str, int] = {}
    origin: dict[str, str] = {}
    overridden_at: dict[str, int] = {}
    notes = overrides if overrides is not None else []
    for position, (label, answers) in enumerate(sources):
        for key, value in answers.items():
            if key in merged and _normal(merged[key]) != _normal(value):
                notes.append(
                    f"{key}: {label} ({shorten(value)}) overrides {origin[key]} "
                    f"({shorten(merged[key])})"
                )
                overridden_at[key] = position
            merged[key] = value
            rank[key] = position
            origin[key] = label
    for derived, base in DERIVED.items():
        if derived in merged and overridden_at.get(base, -1) > rank[derived]:
            notes.append(
                f"{derived} {shorten(merged[derived])} from {origin[derived]} dropped: "
                f"it belonged to another {base}"
            )
            del merged[derived]
    return merged


def shorten(value: Any, limit: int = 40) -> str:
    """A value as it appears in a one-line message: repr'd and cut to ``limit`` characters."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 4] + "...'"


_TRUE = {"true", "yes", "y", "on", "1"}
_FALSE = {"false", "no", "n", "off", "0"}


def _normal(value: Any) -> str:
    text = str(value).strip().lower()
    return "true" if text in _TRUE else "false" if text in _FALSE else text
