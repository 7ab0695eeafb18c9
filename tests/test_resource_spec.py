"""The pure core of `add resource` (issue 12): field specs and resource names, by tables."""

from __future__ import annotations

import re

import pytest

from pyapi_scaffold.errors import UsageError
from pyapi_scaffold.resource_spec import (
    Field,
    ResourceSpec,
    check_refs,
    check_resource_name,
    fields_from_answers,
    parse_field,
    parse_fields,
    plural_of,
)

GOOD = [
    ("customer:str", Field("customer", "str", max_length=200)),
    ("code:str:12", Field("code", "str", max_length=12)),
    ("sku:str:unique", Field("sku", "str", unique=True, max_length=200)),
    ("total:decimal", Field("total", "decimal")),
    ("paid:bool=false", Field("paid", "bool", default="false")),
    ("paid:bool=Yes", Field("paid", "bool", default="true")),
    ("note:text?", Field("note", "text", optional=True)),
    ("note:text:optional", Field("note", "text", optional=True)),
    ("placed_at:datetime", Field("placed_at", "datetime")),
    ("born:date=2024-02-29", Field("born", "date", default="2024-02-29")),
    ("quantity:int=-3", Field("quantity", "int", default="-3")),
    ("ratio:float=0.5", Field("ratio", "float", default="0.5")),
    ("price:decimal=9.9", Field("price", "decimal", default="9.90")),
    ("token:uuid:unique", Field("token", "uuid", unique=True)),
    ("order:ref", Field("order", "ref", target="order")),
    ("buyer:ref[customer]", Field("buyer", "ref", target="customer")),
    ("buyer:ref:customer", Field("buyer", "ref", target="customer")),
    ("owner:ref?", Field("owner", "ref", optional=True, target="owner")),
    (
        "status:enum[new,shipped,cancelled]",
        Field("status", "enum", choices=("new", "shipped", "cancelled")),
    ),
    (
        "status:enum[new,old]=old",
        Field("status", "enum", choices=("new", "old"), default="old"),
    ),
    ("status:enum[a,b]?", Field("status", "enum", optional=True, choices=("a", "b"))),
    ("status:enum:a,b", Field("status", "enum", choices=("a", "b"))),
    (
        "status:enum:new,old:optional=old",
        Field("status", "enum", optional=True, choices=("new", "old"), default="old"),
    ),
    (
        "title:str:80=Untitled: a draft",
        Field("title", "str", max_length=80, default="Untitled: a draft"),
    ),
]


@pytest.mark.parametrize(("spec", "expected"), GOOD, ids=[g[0] for g in GOOD])
def test_good_field_specs(spec: str, expected: Field) -> None:
    assert parse_field(spec) == expected


BAD = [
    ("customer", "has no type"),
    ("customer:", "has no type"),
    ("customer:string", "unknown field type"),
    ("Customer:str", "not a valid field name"),
    ("1st:str", "not a valid field name"),
    ("class:str", "Python keyword"),
    ("id:int", "reserved"),
    ("metadata:text", "reserved"),
    ("query:str", "reserved"),
    ("model_name:str", "reserved"),
    ("status:enum", "lists its values"),
    ("status:enum[]", "lists its values"),
    ("status:enum[a,a]", "listed twice"),
    ("status:enum[A b]", "enum value"),
    ("status:enum[a,b]=c", "not one of a, b"),
    ("count:int[3]", "takes no [...]"),
    ("count:int=1.5", "not a valid int"),
    ("count:int=99999999999", "not a valid int"),
    ("ratio:float=nan", "not a valid float"),
    ("price:decimal=1.234", "not a valid decimal"),
    ("price:decimal=-1", "not a valid decimal"),
    ("born:date=2023-02-29", "not a valid date"),
    ("paid:bool=maybe", "not a valid bool"),
    ("at:datetime=now", "cannot have a default"),
    ("token:uuid=x", "cannot have a default"),
    ("order:ref=1", "cannot have a default"),
    ("note:text:unique", "cannot be unique"),
    ("paid:bool:unique", "cannot be unique"),
    ("sku:str:unique=a", "unique field cannot have a default"),
    ("code:str:0", "max length"),
    ("code:str:20000", "max length"),
    ("code:str:sorted", "unknown modifier"),
    ("count:int:80", "unknown modifier"),
    ("name:str=", "one line of text"),
    ("name:str:3=toolong", "1 to 3 characters"),
]


@pytest.mark.parametrize(("spec", "message"), BAD, ids=[b[0] for b in BAD])
def test_bad_field_specs_are_one_line_usage_errors(spec: str, message: str) -> None:
    with pytest.raises(UsageError, match=re.escape(message)) as caught:
        parse_field(spec)
    assert "\n" not in str(caught.value)
    assert len(str(caught.value)) <= 200


@pytest.mark.parametrize(
    ("specs", "message"),
    [
        (["a:int", "a:str"], "given twice"),
        (["customer:ref", "customer_id:int"], "given twice"),
        ([f"f{i}:int" for i in range(41)], "at most 40"),
    ],
)
def test_field_lists(specs: list[str], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        parse_fields(specs)


@pytest.mark.parametrize(
    ("singular", "plural"),
    [
        ("order", "orders"),
        ("category", "categories"),
        ("box", "boxes"),
        ("key", "keys"),
        ("match_", "match_s"),
        ("address", "addresses"),
        ("batch", "batches"),
    ],
)
def test_plural(singular: str, plural: str) -> None:
    assert plural_of(singular) == plural


NAMES = [
    ("order", {}, None),
    ("line_item", {}, None),
    ("Order", {}, "not a valid resource name"),
    ("my-order", {}, "not a valid resource name"),
    ("x" * 21, {}, "not a valid resource name"),
    ("x" * 20, {}, None),
    ("class", {}, "Python keyword"),
    ("order", {"existing": ["order"]}, "already exists"),
    ("orders", {"existing": ["order"]}, "singular/plural"),
    ("order", {"existing": ["orders"]}, "singular/plural"),
    ("category", {"existing": ["categories"]}, "singular/plural"),
    ("item", {}, "used by the project itself"),
    ("items", {}, "used by the project itself"),
    ("user", {}, "used by the project itself"),
    ("widget", {"project_modules": ["widgets"]}, "shadow the project's module"),
    ("json", {}, "shadow the module 'json'"),
    ("string", {}, "shadow the module 'string'"),
    ("pydantic", {"dependencies": ["pydantic"]}, "shadow the module 'pydantic'"),
]


@pytest.mark.parametrize(
    ("name", "context", "message"),
    NAMES,
)
def test_resource_names(name: str, context: dict[str, list[str]], message: str | None) -> None:
    problem = check_resource_name(name, **context)
    if message is None:
        assert problem is None
    else:
        assert problem is not None
        assert message in problem
        assert "\n" not in problem


def test_refs_must_exist() -> None:
    spec = ResourceSpec("line", parse_fields(["order:ref", "sku:str"]))
    check_refs(spec, ["order"])
    with pytest.raises(UsageError, match="'order', which is not a resource of this project"):
        check_refs(spec, ["customer"])
    with pytest.raises(UsageError, match="cannot refer to itself"):
        check_refs(ResourceSpec("node", parse_fields(["node:ref"])), ["node"])


def test_fields_round_trip_through_the_answers_file() -> None:
    fields = parse_fields(["sku:str:unique", "status:enum[a,b]=a", "order:ref?", "paid:bool=false"])
    assert fields_from_answers([f.as_answer() for f in fields]) == fields
