"""What `add resource` accepts: the resource name and its `--field` specs (issue 12).

A field spec is ``NAME:TYPE[?][:MODIFIER...][=DEFAULT]``:

- TYPE: ``str`` (``str:80`` sets the max length, 200 by default), ``text``, ``int``, ``float``,
  ``decimal`` (money: at most 10 digits and 2 decimals), ``bool``, ``date``, ``datetime``,
  ``uuid``, ``enum[a,b,c]``, ``ref`` (a foreign key to the resource named like the field) or
  ``ref[target]``;
- ``?`` or the modifier ``optional`` (no shell quoting needed): the field may be null/omitted;
- ``=VALUE``: a default (the field may then be omitted);
- modifier ``unique``: a unique constraint (a duplicate is answered 409).

Everything here is pure (no I/O): the CLI, the interactive prompts and the tests share it, and a
spec is checked completely before anything is rendered. Errors are `UsageError`s with one line.
"""

from __future__ import annotations

import keyword
import math
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Final

from pyapi_scaffold.errors import UsageError

TYPES: Final = (
    "str",
    "text",
    "int",
    "float",
    "decimal",
    "bool",
    "date",
    "datetime",
    "uuid",
    "enum",
    "ref",
)
STR_MAX_DEFAULT: Final = 200
STR_MAX_LIMIT: Final = 10_000
MAX_INT: Final = 2_147_483_647
MONEY_RE: Final = re.compile(r"(0|[1-9][0-9]{0,9})([.][0-9]{1,2})?")
UNIQUE_TYPES: Final = frozenset({"str", "int", "decimal", "date", "datetime", "uuid"})
NO_DEFAULT_TYPES: Final = frozenset({"datetime", "uuid", "ref"})

_IDENT = re.compile(r"[a-z][a-z0-9_]*")
_ENUM_VALUE = re.compile(r"[a-z][a-z0-9_-]{0,39}")
MAX_NAME = 30  # field names
# Resource names appear in class, table, URL, constraint and test names: 20 keeps every generated
# line within 100 columns and every constraint name within PostgreSQL's 63 characters.
MAX_RESOURCE = 20
MAX_FIELDS = 40

# Attribute names the generated code already uses on a model, a schema or a row: a field with
# one of these names would clash with SQLAlchemy (metadata, registry, query), pydantic (model_*,
# schema, json...) or the resource's own id column.
RESERVED_FIELDS: Final = frozenset(
    {
        "id",
        "metadata",
        "registry",
        "query",
        "session",
        "self",
        "cls",
        "schema",
        "json",
        "dict",
        "copy",
        "validate",
        "construct",
        "fields",
    }
)

# Names the project already uses for modules, URL prefixes or tables; a resource named like one
# would replace or shadow it.
RESERVED_RESOURCES: Final = frozenset(
    {
        "item",
        "user",
        "health",
        "auth",
        "token",
        "page",
        "static",
        "docs",
        "openapi",
        "login",
        "logout",
        "ws",
        "room",
        "resource",
        "test",
        "app",
        "main",
        "model",
        "schema",
        "setting",
        "error",
        "middleware",
        "repository",
        "migration",
        "version",
        "favicon",
        "template",
        "realtime",
        "observability",
        "security",
        "logging_config",
        "db",
    }
)


@dataclass(frozen=True)
class Field:
    """One parsed field: what the templates need to render it."""

    name: str
    type: str
    optional: bool = False
    unique: bool = False
    default: str | None = None  # canonical text of the default (rendered by the templates)
    max_length: int | None = None  # str only
    choices: tuple[str, ...] = ()  # enum only
    target: str | None = None  # ref only: the referenced resource (singular)

    @property
    def column(self) -> str:
        """The attribute/column name: a ref field `customer` is stored as `customer_id`."""
        return f"{self.name}_id" if self.type == "ref" else self.name

    @property
    def required(self) -> bool:
        return not self.optional and self.default is None

    def as_answer(self) -> dict[str, Any]:
        """The field as recorded in the resource's answers file (plain YAML data)."""
        data = asdict(self)
        data["choices"] = list(self.choices)
        return data  # every key, also when empty: the templates read them all


@dataclass(frozen=True)
class ResourceSpec:
    """A resource to add: its singular name and fields (validated)."""

    name: str
    fields: tuple[Field, ...] = field(default_factory=tuple)

    @property
    def plural(self) -> str:
        return plural_of(self.name)

    @property
    def refs(self) -> tuple[str, ...]:
        return tuple(f.target for f in self.fields if f.target)


def plural_of(name: str) -> str:
    """English plural, good enough for resource names (order -> orders, category -> categories)."""
    if re.search(r"[^aeiou]y$", name):
        return name[:-1] + "ies"
    if re.search(r"(s|x|z|ch|sh)$", name):
        return name + "es"
    return name + "s"


def _forms(name: str) -> set[str]:
    """The name and the forms a user could mean by it (its plural, and a singular it ends like)."""
    forms = {name, plural_of(name)}
    if name.endswith("ies"):
        forms.add(name[:-3] + "y")
    if name.endswith("es"):
        forms.add(name[:-2])
    if name.endswith("s"):
        forms.add(name[:-1])
    return forms


# ---------------------------------------------------------------- names


def check_resource_name(  # noqa: PLR0911 (one return per reason)
    name: str,
    *,
    existing: Iterable[str] = (),
    project_modules: Iterable[str] = (),
    dependencies: Iterable[str] = (),
) -> str | None:
    """Why ``name`` cannot be a new resource of this project, or None when it can.

    ``existing``: the project's resources (singular); ``project_modules``: module names in the
    project's package; ``dependencies``: import names the project installs.
    """
    shown = repr(name[:MAX_NAME] + ("..." if len(name) > MAX_NAME else ""))
    if not _IDENT.fullmatch(name) or len(name) > MAX_RESOURCE:
        return (
            f"{shown} is not a valid resource name; use up to {MAX_RESOURCE} lowercase letters, "
            "digits and '_', starting with a letter (singular, e.g. 'order')"
        )
    plural = plural_of(name)
    for form in (name, plural):
        if keyword.iskeyword(form) or keyword.issoftkeyword(form):
            return f"{form!r} is a Python keyword; choose another resource name"
    for other in existing:
        if other == name:
            return f"the resource {name!r} already exists; remove it first or choose another name"
        if _forms(other) & _forms(name):
            return (
                f"{name!r} clashes with the existing resource {other!r} (singular/plural of the "
                "same word); choose another name"
            )
    if _forms(name) & RESERVED_RESOURCES:
        return f"{name!r} is used by the project itself (module, table or URL); choose another name"
    modules = set(project_modules)
    for form in (name, plural):
        if form in modules:
            return f"{form!r} would shadow the project's module {form!r}; choose another name"
        if form in sys.stdlib_module_names or form in set(dependencies):
            return f"{form!r} would shadow the module {form!r} the project imports; choose another"
    return None


# ---------------------------------------------------------------- field specs


def parse_field(spec: str) -> Field:  # noqa: PLR0912 (one branch per spec part)
    """Parse one ``--field`` spec; raise UsageError with one line when it is wrong."""
    text = spec.strip()
    name, sep, rest = text.partition(":")
    if not sep or not rest:
        raise UsageError(f"field {_short(spec)} has no type; write NAME:TYPE (e.g. total:decimal)")
    _check_field_name(name)
    # Everything after the first '=' is the default (it may contain ':'); modifiers come before.
    kind_part, eq, default = rest.partition("=")
    head, *modifiers = _split_modifiers(kind_part)
    optional = head.endswith("?")
    head = head.removesuffix("?")
    kind, arg = _type_and_argument(head, spec)
    max_length: int | None = None
    unique = False
    for raw_modifier in modifiers:
        modifier = raw_modifier.strip()
        if modifier.endswith("?"):  # `sku:str:unique?`
            optional, modifier = True, modifier[:-1]
        if modifier == "optional":
            optional = True
        elif modifier == "unique":
            unique = True
        elif modifier.isdigit() and kind == "str":
            max_length = int(modifier)
        elif kind == "ref" and _IDENT.fullmatch(modifier) and arg is None:
            arg = modifier  # ref:customer, the same as ref[customer] without shell quoting
        elif kind == "enum" and arg is None and re.fullmatch(r"[a-z0-9_,-]+", modifier):
            arg = modifier  # enum:new,shipped, the same as enum[new,shipped]
        else:
            raise UsageError(
                f"field {name!r}: unknown modifier {_short(modifier)}; use optional, unique"
                + (" or a max length (str:80)" if kind == "str" else "")
            )
    if kind == "enum" and not arg:
        raise UsageError(ENUM_HINT)
    result = Field(
        name=name,
        type=kind,
        optional=optional,
        unique=unique,
        max_length=_max_length(name, kind, max_length),
        choices=_choices(name, arg) if kind == "enum" else (),
        target=(arg or name) if kind == "ref" else None,
    )
    if kind == "ref" and result.target is not None and not _IDENT.fullmatch(result.target):
        raise UsageError(f"field {name!r}: {_short(result.target)} is not a resource name")
    if unique and kind not in UNIQUE_TYPES:
        raise UsageError(f"field {name!r}: a {kind} field cannot be unique")
    if eq:
        if kind in NO_DEFAULT_TYPES:
            raise UsageError(f"field {name!r}: a {kind} field cannot have a default")
        if unique:
            raise UsageError(f"field {name!r}: a unique field cannot have a default")
        result = Field(**{**asdict(result), "default": canonical_default(result, default)})
    return result


def _split_modifiers(kind_part: str) -> list[str]:
    """``enum[a,b]:unique`` -> ["enum[a,b]", "unique"] (no ':' inside the brackets)."""
    if "[" in kind_part and "]" in kind_part:
        close = kind_part.index("]") + 1
        head, tail = kind_part[:close], kind_part[close:]
        if tail.startswith("?"):
            head, tail = head + "?", tail[1:]
        return [head, *[m for m in tail.split(":") if m]]
    return kind_part.split(":")


ENUM_HINT = (
    "an enum field lists its values: status:enum[new,shipped] (or, unquoted in zsh, "
    "status:enum:new,shipped)"
)


def _type_and_argument(head: str, spec: str) -> tuple[str, str | None]:
    match = re.fullmatch(r"([a-z]+)(?:\[([^\]]*)\])?", head)
    if not match or match[1] not in TYPES:
        raise UsageError(
            f"unknown field type {_short(head)} in {_short(spec)}; use one of {', '.join(TYPES)}"
        )
    kind, arg = match[1], match[2]
    if arg is not None and kind not in {"enum", "ref"}:
        raise UsageError(f"field type {kind} takes no [...]; only enum[...] and ref[...] do")
    if kind == "enum" and arg is not None and not arg:
        raise UsageError(ENUM_HINT)
    return kind, arg


def _check_field_name(name: str) -> None:
    if not _IDENT.fullmatch(name) or len(name) > MAX_NAME:
        raise UsageError(
            f"{_short(name)} is not a valid field name; use up to {MAX_NAME} lowercase letters, "
            "digits and '_', starting with a letter"
        )
    if keyword.iskeyword(name) or keyword.issoftkeyword(name) or name in {"true", "false", "none"}:
        raise UsageError(f"field {name!r} is a Python keyword; choose another name")
    if name in RESERVED_FIELDS or name.startswith("model_"):
        raise UsageError(
            f"field {name!r} is reserved (the generated model, schema or pagination uses it); "
            "choose another name"
        )


def _max_length(name: str, kind: str, given: int | None) -> int | None:
    if kind != "str":
        return None
    if given is None:
        return STR_MAX_DEFAULT
    if not 1 <= given <= STR_MAX_LIMIT:
        raise UsageError(
            f"field {name!r}: a str max length is 1 to {STR_MAX_LIMIT} (use text for longer)"
        )
    return given


def _choices(name: str, arg: str | None) -> tuple[str, ...]:
    values = tuple(v.strip() for v in (arg or "").split(","))
    for value in values:
        if not _ENUM_VALUE.fullmatch(value):
            raise UsageError(
                f"field {name!r}: enum value {_short(value)} must be lowercase letters, digits, "
                "'_' or '-', starting with a letter"
            )
    if len(set(values)) != len(values):
        raise UsageError(f"field {name!r}: an enum value is listed twice")
    if len(values) > 50:
        raise UsageError(f"field {name!r}: at most 50 enum values")
    return values


def _bool(raw: str) -> str | None:
    lowered = raw.lower()
    if lowered in {"true", "yes", "1", "on"}:
        return "true"
    return "false" if lowered in {"false", "no", "0", "off"} else None


def _int(raw: str) -> str | None:
    ok = re.fullmatch(r"-?[0-9]{1,10}", raw) and abs(int(raw)) <= MAX_INT
    return str(int(raw)) if ok else None


def _float(raw: str) -> str | None:
    try:
        value = float(raw)
    except ValueError:
        return None
    return repr(value) if math.isfinite(value) else None


def _money(raw: str) -> str | None:
    return str(Decimal(raw).quantize(Decimal("0.01"))) if MONEY_RE.fullmatch(raw) else None


def _date(raw: str) -> str | None:
    try:
        return date.fromisoformat(raw).isoformat()
    except ValueError:
        return None


_DEFAULT_PARSERS = {"bool": _bool, "int": _int, "float": _float, "decimal": _money, "date": _date}


def canonical_default(f: Field, raw: str) -> str:
    """The default as canonical text, checked against the field's type and bounds."""
    parser = _DEFAULT_PARSERS.get(f.type)
    if parser is not None:
        value = parser(raw)
        if value is None:
            raise UsageError(f"field {f.name!r}: default {_short(raw)} is not a valid {f.type}")
        return value
    if f.type == "enum":
        if raw not in f.choices:
            choices = ", ".join(f.choices)
            raise UsageError(f"field {f.name!r}: default {_short(raw)} is not one of {choices}")
        return raw
    # str / text: one line of plain text within the length
    limit = f.max_length or STR_MAX_LIMIT
    if re.search(r"[\x00-\x1f\x7f]", raw) or len(raw) > limit or not raw.strip():
        raise UsageError(
            f"field {f.name!r}: the default must be one line of text, 1 to {limit} characters"
        )
    return raw


def parse_fields(specs: Sequence[str]) -> tuple[Field, ...]:
    """Parse every ``--field``; refuse duplicates (also `customer:ref` next to `customer_id`)."""
    if len(specs) > MAX_FIELDS:
        raise UsageError(f"{len(specs)} fields; a resource has at most {MAX_FIELDS}")
    fields = tuple(parse_field(spec) for spec in specs)
    seen: dict[str, str] = {}
    for f in fields:
        for key in {f.name, f.column}:
            if key in seen:
                raise UsageError(f"field {f.name!r} is given twice (clashes with {seen[key]!r})")
            seen[key] = f.name
    return fields


def check_refs(spec: ResourceSpec, existing: Iterable[str]) -> None:
    """Every ref points to an existing resource of the project (or to the resource itself)."""
    known = set(existing)
    for f in spec.fields:
        if f.target is not None and f.target not in known and f.target != spec.name:
            hint = f" (existing: {', '.join(sorted(known))})" if known else ""
            raise UsageError(
                f"field {f.name!r} refers to {f.target!r}, which is not a resource of this "
                f"project{hint}; add it first or use {f.name}:ref[TARGET]"
            )
        if f.target == spec.name:
            raise UsageError(f"field {f.name!r}: a resource cannot refer to itself (yet)")


MAX_IDENTIFIER = 63  # PostgreSQL truncates longer names, and migrations would then differ


def check_identifier_lengths(spec: ResourceSpec) -> None:
    """Constraint and index names (named by the project's convention) fit PostgreSQL's 63 chars."""
    for f in spec.fields:
        names = [f"uq_{spec.plural}_{f.name}"] if f.unique else []
        if f.target is not None:
            names += [
                f"fk_{spec.plural}_{f.column}_{plural_of(f.target)}",
                f"ix_{spec.plural}_{f.column}",
            ]
        for name in names:
            if len(name) > MAX_IDENTIFIER:
                raise UsageError(
                    f"field {f.name!r}: the database name {name[:30]}... would be {len(name)} "
                    f"characters (PostgreSQL allows {MAX_IDENTIFIER}); use shorter names"
                )


def fields_from_answers(raw: object) -> tuple[Field, ...]:
    """Fields back from a resource's answers file (as written by `Field.as_answer`)."""
    if not isinstance(raw, list):
        return ()
    out = []
    for item in raw:
        if isinstance(item, Mapping):
            data = dict(item)
            data["choices"] = tuple(data.get("choices") or ())
            out.append(Field(**data))
    return tuple(out)


def _short(value: str, limit: int = 40) -> str:
    text = value if len(value) <= limit else value[: limit - 1] + "…"
    return repr(text)


def describe(f: Field) -> str:
    """One line for the plan: `total: decimal, optional, unique, default 0.00`."""
    kind = f.type
    if f.type == "str":
        kind = f"str({f.max_length})"
    elif f.type == "enum":
        kind = f"enum[{','.join(f.choices)}]"
    elif f.type == "ref":
        kind = f"ref -> {f.target} ({f.column})"
    parts = [kind]
    if f.optional:
        parts.append("optional")
    if f.unique:
        parts.append("unique")
    if f.default is not None:
        parts.append(f"default {f.default}")
    return f"{f.name}: {', '.join(parts)}"
