"""The floor under `patt serve`'s start: the bare app plus the third-party libraries the site
loads before its first request (SQLAlchemy's ORM, asyncio extension and PostgreSQL dialect,
asyncpg, Jinja2, pydantic-settings, click, PyJWT, pluggy), with no models, no routes and none
of the platform's own modules. What `patt serve` takes beyond this is the site itself."""

import asyncpg  # noqa: F401
import click  # noqa: F401
import jinja2  # noqa: F401
import jwt  # noqa: F401
import pluggy  # noqa: F401
import pydantic_settings  # noqa: F401
import sqlalchemy.dialects.postgresql.asyncpg  # noqa: F401
import sqlalchemy.ext.asyncio  # noqa: F401
import sqlalchemy.orm  # noqa: F401
from fastapi import FastAPI

app = FastAPI()


@app.get("/api/health")
async def health() -> dict:
    return {"ok": True}
