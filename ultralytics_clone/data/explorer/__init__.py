"""Explorer: similarity and SQL search over a data set (LanceDB + DuckDB, the `explorer` extra)."""

from .explorer import Explorer

__all__ = ["Explorer"]
