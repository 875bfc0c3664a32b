"""The read path's hottest statements, run on the driver connection itself.

Every uncached read runs one statement for its page or item (see
``rendering.list_rows`` and ``rendering.detail_row``). Through SQLAlchemy's
``Connection.execute`` that statement cost about 25 us before and after the
driver's own 5 (an execution context, parameter processing, result
metadata, a Row per row), a tenth of an uncached detail read. A statement
prepared here is compiled once for the connection's dialect and then runs
as SQLAlchemy would run it, minus that machinery: the same SQL, the same
parameters through the same types' bind processors, the same result
processors (so a UTC datetime comes back exactly as the ORM would give
it), rows as named tuples. Driver errors still surface as SQLAlchemy's
``DBAPIError``, so callers handle a dropped connection as before.

Only for SELECTs without expanding (``IN``-list) parameters; everything else
goes through SQLAlchemy.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import Connection, Select
from sqlalchemy.engine import Dialect

from sidcontent.db import driver_error


class Prepared:
    """One SELECT compiled for one dialect, ready to run on driver connections."""

    def __init__(self, stmt: Select[Any], dialect: Dialect) -> None:
        compiled = stmt.compile(dialect=dialect)
        if any(bind.expanding for bind in compiled.binds.values()):
            raise ValueError("expanding parameters need SQLAlchemy's execution")
        self.sql = str(compiled)
        self._dialect = dialect
        self._compiled = compiled
        self._order = tuple(compiled.positiontup or ()) if compiled.positional else None
        processors: dict[str, Callable[[Any], Any]] = {}
        for bind, name in compiled.bind_names.items():
            processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                processors[name] = processor
        self._bind_processors = processors
        columns = list(stmt.selected_columns)
        self._result_processors = [
            (i, processor)
            for i, column in enumerate(columns)
            if (processor := column.type.dialect_impl(dialect).result_processor(dialect, None))
            is not None
        ]
        self._row: Any = namedtuple("Row", [column.key for column in columns])  # type: ignore[misc]

    def rows(self, connection: Connection, params: Mapping[str, Any]) -> list[Any]:
        """Every row, as named tuples of processed values."""
        values = self._compiled.construct_params(dict(params))
        for name, processor in self._bind_processors.items():
            values[name] = processor(values[name])
        driver_params: Any = (
            values if self._order is None else [values[name] for name in self._order]
        )
        dbapi = connection.connection.dbapi_connection
        assert dbapi is not None  # a kept read connection is always checked out
        try:
            cursor = dbapi.cursor()
            try:
                cursor.execute(self.sql, driver_params)
                fetched = cursor.fetchall()
            finally:
                cursor.close()
        except self._dialect.loaded_dbapi.Error as exc:
            raise driver_error(self._dialect, self.sql, exc) from exc
        make, processors = self._row._make, self._result_processors
        if not processors:
            return [make(row) for row in fetched]
        result = []
        for row in fetched:
            row = list(row)
            for i, processor in processors:
                row[i] = processor(row[i])
            result.append(make(row))
        return result
