"""segcore: the segment domain. No Slack, no Flask.

Parsing, validating, compiling and executing are separate steps::

    reading = grammar.parse(text, catalog, now)          # or rule_from_json(...)
    rule = validate(reading.rule, catalog)               # typed, canonical values
    mongo_filter = to_mongo_filter(rule, catalog, now)   # one compiler per target
"""

from segcore.catalog import Field, FieldCatalog, default_catalog
from segcore.compile_mongo import to_mongo_filter
from segcore.errors import CatalogError, ParseRefusal, RuleError, SegmentError
from segcore.reading import Reading
from segcore.rendering import describe
from segcore.rules import (
    AbsoluteDate,
    AllOf,
    AnyOf,
    CalendarPeriod,
    Condition,
    Not,
    RelativeAmount,
    Rule,
    rule_from_json,
    rule_to_json,
)
from segcore.validation import validate, validate_json

__all__ = [
    "AbsoluteDate",
    "AllOf",
    "AnyOf",
    "CalendarPeriod",
    "CatalogError",
    "Condition",
    "Field",
    "FieldCatalog",
    "Not",
    "ParseRefusal",
    "Reading",
    "RelativeAmount",
    "Rule",
    "RuleError",
    "SegmentError",
    "default_catalog",
    "describe",
    "rule_from_json",
    "rule_to_json",
    "to_mongo_filter",
    "validate",
    "validate_json",
]
