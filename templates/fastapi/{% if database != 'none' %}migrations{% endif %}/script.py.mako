<%!
import json


def literal(value):
    """``value`` as Python source the way `ruff format` writes it: double-quoted strings."""
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, (list, tuple)):
        items = [literal(item) for item in value]
        return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
    return repr(value)
%>\
<%
    # Import only what the body uses, so an empty revision passes ruff (F401) as written. The
    # `[post_write_hooks]` in alembic.ini still run `ruff check --fix` and `ruff format` on it,
    # which sort any extra `imports` autogenerate adds (e.g. a dialect's types).
    body = (upgrades or "") + (downgrades or "")
    revises = down_revision if isinstance(down_revision, str) else ", ".join(down_revision or ())
%>\
"""${message}

Revision ID: ${up_revision}
Revises:${" " + revises if revises else ""}
Create Date: ${create_date}
"""

from collections.abc import Sequence
% if "sa." in body or "op." in body or imports:

% endif
% if "sa." in body:
import sqlalchemy as sa
% endif
% if "op." in body:
from alembic import op
% endif
% if imports:
${imports}
% endif

revision: str = ${literal(up_revision)}
down_revision: str | Sequence[str] | None = ${literal(down_revision)}
branch_labels: str | Sequence[str] | None = ${literal(branch_labels)}
depends_on: str | Sequence[str] | None = ${literal(depends_on)}


def upgrade() -> None:
    ${upgrades if upgrades else "pass"}


def downgrade() -> None:
    ${downgrades if downgrades else "pass"}
