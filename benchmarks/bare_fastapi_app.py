"""The BARE FastAPI baseline for bench_servers.py: the generated service minus its extras.

Same route (`GET /items?limit=&offset=`), same queries (a count, then one page ordered by id),
same engine options (SQLAlchemy async + asyncpg, `pool_pre_ping=True`), same Pydantic response
models, the same dependency chain (an async session dependency, then a plain `def` dependency
that wraps it in a repository object, like the generated `get_item_repository`: FastAPI runs
that one in its thread pool, which measurably changes throughput on a busy machine, so the
baseline keeps it), and the same server (uvicorn, same worker count and options). What it lacks
is exactly what the generated service adds on top: the request-id / security-header
middleware, the JSON logging set-up, the exception handlers, the health/readiness routes' extras
and the offline docs.

Run inside the generated FastAPI project's environment (so every library version is the same):

    DATABASE_URL=postgresql+asyncpg://... PORT=8001 WEB_CONCURRENCY=2 \
        <project>/.venv/bin/python benchmarks/bare_fastapi_app.py
"""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

import uvicorn
from fastapi import Depends, FastAPI, Query, Request
from pydantic import BaseModel, ConfigDict
from sqlalchemy import String, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class ItemRow(Base):
    __tablename__ = "items"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(String(1000))
    quantity: Mapped[int] = mapped_column(default=0)


class Item(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    description: str | None = None
    quantity: int = 0


class ItemPage(BaseModel):
    items: list[Item]
    total: int
    limit: int
    offset: int


class Repository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def page(self, *, limit: int, offset: int) -> tuple[list[Item], int]:
        total = await self.session.scalar(select(func.count()).select_from(ItemRow))
        rows = await self.session.scalars(
            select(ItemRow).order_by(ItemRow.id).limit(limit).offset(offset)
        )
        return [Item.model_validate(row) for row in rows], total or 0


def create_app() -> FastAPI:
    # Same engine options as the generated service; the pool knobs exist only for experiments
    # (unset = SQLAlchemy's defaults, as in the generated service: 5 + 10 overflow per worker).
    pool: dict[str, int] = {}
    for knob in ("pool_size", "max_overflow"):
        if value := os.environ.get(f"BARE_{knob.upper()}"):
            pool[knob] = int(value)
    engine = create_async_engine(os.environ["DATABASE_URL"], pool_pre_ping=True, **pool)
    sessionmaker = async_sessionmaker(engine, expire_on_commit=False)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        await engine.dispose()

    app = FastAPI(lifespan=lifespan)

    async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
        async with sessionmaker() as session:
            yield session

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    def get_repository(session: Annotated[AsyncSession, Depends(get_session)]) -> Repository:
        return Repository(session)

    @app.get("/items")
    async def list_items(
        repository: Annotated[Repository, Depends(get_repository)],
        limit: Annotated[int, Query(ge=1, le=100)] = 20,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> ItemPage:
        items, total = await repository.page(limit=limit, offset=offset)
        return ItemPage(items=items, total=total, limit=limit, offset=offset)

    return app


def main() -> None:
    # The generated service's server call, option for option (see its __main__.py).
    uvicorn.run(
        "bare_fastapi_app:create_app",
        factory=True,
        host=os.environ.get("HOST", "127.0.0.1"),
        port=int(os.environ.get("PORT", "8001")),
        workers=int(os.environ.get("WEB_CONCURRENCY", "1")),
        log_config=None,
        access_log=False,
        proxy_headers=True,
    )


if __name__ == "__main__":
    main()
