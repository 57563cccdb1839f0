"""Walking a compiled MongoDB filter: every operator from a fixed whitelist, every field from the catalog."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from segcore.catalog import FieldCatalog

# What segcore.compile_mongo may write; anything else (``$where``, ``$expr``, ``$function``...) is an injection.
ALLOWED_OPERATORS = frozenset({
    "$and", "$or", "$nor", "$not", "$gt", "$gte", "$lt", "$lte", "$eq", "$ne", "$in", "$nin", "$all",
    "$exists", "$regex", "$options", "$elemMatch", "$size", "$type",
})
SCALARS = (str, int, float, bool, datetime, type(None))


def check_filter(node: Any, catalog: FieldCatalog, path: str = "filter") -> None:
    """Raise AssertionError naming the first key that is not an allowed operator or a catalog field."""
    names = set(catalog.names) | {"team_id"}
    if isinstance(node, dict):
        for key, value in node.items():
            assert isinstance(key, str), f"{path}: non-text key {key!r}"
            if key.startswith("$"):
                assert key in ALLOWED_OPERATORS, f"{path}: operator {key} is not allowed"
            else:
                assert key in names, f"{path}: {key!r} is not a catalog field"
                assert "." not in key and "\x00" not in key, f"{path}: field path {key!r}"
            _check_value(value, catalog, f"{path}.{key}")
    else:
        raise AssertionError(f"{path}: a filter must be an object, got {type(node).__name__}")


def _check_value(value: Any, catalog: FieldCatalog, path: str) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            assert isinstance(key, str) and key.startswith("$") and key in ALLOWED_OPERATORS, \
                f"{path}: {key!r} in an operator position"
            if key in ("$and", "$or", "$nor"):
                assert isinstance(inner, list)
                for i, part in enumerate(inner):
                    check_filter(part, catalog, f"{path}[{i}]")
            else:
                _check_value(inner, catalog, f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            if isinstance(item, dict):
                check_filter(item, catalog, f"{path}[{i}]")
            else:
                _check_value(item, catalog, f"{path}[{i}]")
    else:
        assert isinstance(value, SCALARS) or hasattr(value, "pattern"), f"{path}: value {value!r}"
        if isinstance(value, float):
            assert value == value and abs(value) != float("inf"), f"{path}: {value!r} reached the filter"
