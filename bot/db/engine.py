"""The app database engine (SQLAlchemy 1.4, 2.0-style); its tables are in bot/db/tables.py.

APP_DATABASE_URL selects it (any SQLAlchemy URL); by default a SQLite file in
var/. The tables are created on first use. `connect()` fails loudly with the
URL (password hidden) when the database cannot be reached, so a server never
starts while silently losing its records.
"""

import os
from functools import lru_cache
from typing import Optional

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError, SQLAlchemyError
from sqlalchemy.orm import sessionmaker

from bot import PROJECT_ROOT
from bot.db.tables import Base

DEFAULT_URL = f"sqlite:///{PROJECT_ROOT / 'var' / 'app.db'}"


class AppDatabaseError(RuntimeError):
    """The app database is unreachable or unusable."""


def database_url() -> str:
    return os.environ.get("APP_DATABASE_URL") or DEFAULT_URL


@lru_cache(maxsize=None)
def connect(url: Optional[str] = None) -> Engine:
    """Engine for the app database, tables created; raises AppDatabaseError if unreachable."""
    url = url or database_url()
    parsed = make_url(url)
    if parsed.drivername.startswith("sqlite") and parsed.database:
        os.makedirs(os.path.dirname(os.path.abspath(parsed.database)), exist_ok=True)
    try:
        # hide_parameters: SQL errors never show values (a question's text); Postgres
        # statements may not hold a connection forever.
        connect_args = (
            {"options": "-c statement_timeout=5000", "connect_timeout": 5}
            if (parsed.get_backend_name() == "postgresql")
            else {}
        )
        engine = create_engine(url, future=True, pool_pre_ping=True, hide_parameters=True, connect_args=connect_args)
        with engine.begin() as conn:
            conn.execute(text("SELECT 1"))
        _create_tables(engine)
    except SQLAlchemyError as exc:
        raise AppDatabaseError(
            f"cannot use the app database at {parsed.render_as_string(hide_password=True)} "
            f"(APP_DATABASE_URL): {exc.__class__.__name__}: {str(exc).splitlines()[0]}"
        ) from exc
    return engine


def _create_tables(engine: Engine) -> None:
    # Replicas starting together on an empty database race to create the same
    # tables; the loser's CREATE fails, and a second look finds them in place.
    try:
        Base.metadata.create_all(engine)
    except (ProgrammingError, IntegrityError, OperationalError):
        Base.metadata.create_all(engine)
    _add_missing_columns(engine)


def _add_missing_columns(engine: Engine) -> None:
    """Columns added since a database was created (all nullable): ALTER TABLE ... ADD COLUMN,
    and their unique indexes. The only kind of schema change this project makes."""
    from sqlalchemy import inspect

    found = inspect(engine)
    for table in Base.metadata.sorted_tables:
        if not found.has_table(table.name):
            continue
        present = {c["name"] for c in found.get_columns(table.name)}
        for column in table.columns:
            if column.name in present:
                continue
            kind = column.type.compile(dialect=engine.dialect)
            with engine.begin() as conn:
                conn.execute(text(f"ALTER TABLE {table.name} ADD COLUMN {column.name} {kind}"))
                if column.unique:
                    conn.execute(
                        text(
                            f"CREATE UNIQUE INDEX IF NOT EXISTS uq_{table.name}_{column.name} "
                            f"ON {table.name} ({column.name})"
                        )
                    )


def session_factory(url: Optional[str] = None) -> sessionmaker:
    return sessionmaker(connect(url), future=True, expire_on_commit=False)
