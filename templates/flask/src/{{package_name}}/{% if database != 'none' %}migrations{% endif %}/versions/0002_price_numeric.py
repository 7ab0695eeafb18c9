"""Items' price becomes NUMERIC(12, 2): money as an exact Decimal, never a float.

Existing prices are converted and rounded to cents (the API accepted at most 1,000,000,000, which
NUMERIC(12, 2) holds).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Batch mode: SQLite cannot alter a column's type in place (Alembic copies the table there).
    with op.batch_alter_table("items") as batch:
        batch.alter_column(
            "price",
            type_=sa.Numeric(precision=12, scale=2),
            existing_type=sa.Float(),
            existing_nullable=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("items") as batch:
        batch.alter_column(
            "price",
            type_=sa.Float(),
            existing_type=sa.Numeric(precision=12, scale=2),
            existing_nullable=False,
        )
