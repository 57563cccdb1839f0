"""The JSON schema of a rule tree, built from the field catalog, in the subset Cohere's structured output takes.

Cohere constrains its decoding to this schema, so the schema is the first fence around what the model can
say; ``segcore.validation`` is the second and the one that decides. The subset we rely on (Cohere's
"Structured Outputs" page): ``type``, ``properties``, ``required``, ``additionalProperties: false``,
``items``, ``enum``, ``pattern`` (without ``^``/``$``), ``anyOf`` and local ``$ref``/``$defs``; never
``oneOf``/``allOf``/``not``/``minimum``/``maxItems``/``minLength``/``uniqueItems``. The top-level schema must
be an object, every object needs at least one required property, and no schema refers to itself (recursion
is undocumented). So the answer has a fixed shape:

- ``{"rule": ...}`` at the top (an object with a required property, whatever the rule);
- the rule is ``{"all": [...]}``, ``{"any": [...]}`` or ``{"unreadable": "why"}`` (the model's way to say the
  text does not describe people, instead of inventing a condition);
- an item is a condition, ``{"not": condition}`` or a group ``{"all"|"any": [...]}`` one level deep whose
  items are conditions or ``{"not": condition}``.

Event conditions (SPEC "Behaviour") are conditions too: one branch per group of events with the same
properties, ``{"event": enum of names, "where": [property conditions], "count": {...}, "when": {...}}`` where
only ``event`` is required (no ``where`` is no property test, no ``count`` is at least once, no ``when`` is
all time); property conditions take the field branches with ``property`` for ``field``.

Conditions are grouped by the shape of their value: fields with the same type and the same known values share
one branch (``{"field": enum of names, "op": enum of operators, "value": shape}``). Closed fields (``plan``)
enumerate their values; open fields (``city``, ``tags``) list the known values in ``anyOf`` beside free text,
because a workspace's data can hold values the catalog does not know and forcing a known one would change
the audience silently.
"""

from __future__ import annotations

from typing import Any

from segcore.catalog import Event, Field, FieldCatalog
from segcore.rules import UNITS

UNREADABLE_KEY = "unreadable"
ENVELOPE_KEY = "rule"

# Absolute dates as the rule JSON writes them: a year, a month, a day or a UTC instant. Cohere's patterns
# take no ^ or $ anchors (the validator checks the whole value anyway).
DATE_PATTERN = r"\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2})?Z)?)?)?"

_COMPARISONS = ("gt", "gte", "lt", "lte", "eq", "ne")
_ABSOLUTE_DATE_OPS = ("before", "after", "on")
_RELATIVE_DATE_OPS = ("within_last", "not_within_last", "more_than_ago")


def _obj(properties: dict[str, Any], description: str | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }
    if description:
        schema["description"] = description
    return schema


def _array(items: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": items}


def _condition(names: list[str], ops: tuple[str, ...], value: dict[str, Any]) -> dict[str, Any]:
    return _obj({"field": {"type": "string", "enum": names}, "op": {"type": "string", "enum": list(ops)},
                 "value": value})


def _text_value(field: Field) -> dict[str, Any]:
    if field.values and field.closed:
        return {"type": "string", "enum": list(field.values)}
    if field.values:
        return {"anyOf": [{"type": "string", "enum": list(field.values)}, {"type": "string"}],
                "description": "Use the known value when one matches, spelled exactly as listed."}
    return {"type": "string"}


def _shape_key(field: Field) -> tuple[Any, ...]:
    # Fields that take the same values in the same way share one branch of the schema.
    if field.type in ("string", "array"):
        return (field.type, field.values, field.closed)
    return (field.type,)


def _branches(fields: list[Field], defs: dict[str, Any]) -> list[dict[str, Any]]:
    """One schema per (field group, value shape); the shared date and period shapes go to ``defs``."""
    names = [f.name for f in fields]
    sample = fields[0]
    ftype = sample.type
    boolean = {"type": "boolean"}
    if ftype in ("int", "number"):
        number = {"type": "integer" if ftype == "int" else "number"}
        return [
            _condition(names, _COMPARISONS, number),
            _condition(names, ("between",), _array(number)),
            _condition(names, ("exists",), boolean),
        ]
    if ftype == "string":
        text = _text_value(sample)
        return [
            _condition(names, ("eq", "ne"), text),
            _condition(names, ("in", "not_in"), _array(text)),
            _condition(names, ("contains",), {"type": "string"}),
            _condition(names, ("exists",), boolean),
        ]
    if ftype == "array":
        text = _text_value(sample)
        return [
            _condition(names, ("has",), text),
            _condition(names, ("has_any", "has_all", "has_none"), _array(text)),
            _condition(names, ("exists",), boolean),
        ]
    if ftype == "bool":
        return [_condition(names, ("is",), boolean)]
    # datetime
    _date_defs(defs)
    date = {"$ref": "#/$defs/date"}
    return [
        _condition(names, _RELATIVE_DATE_OPS, {"$ref": "#/$defs/relative_amount"}),
        _condition(names, _ABSOLUTE_DATE_OPS, date),
        _condition(names, ("between",), _array(date)),
        _condition(names, ("exists",), boolean),
    ]


def _date_defs(defs: dict[str, Any]) -> None:
    defs.setdefault("relative_amount", _obj(
        {"amount": {"type": "integer"}, "unit": {"type": "string", "enum": list(UNITS)}},
        "A span counted back from now, e.g. 5 months.",
    ))
    defs.setdefault("date", {"anyOf": [
        {"type": "string", "pattern": DATE_PATTERN,
         "description": "A date written in the text: 2025, 2025-03, 2025-03-01 or 2025-03-01T10:30:00Z."},
        _obj({"period": {"type": "string", "enum": list(UNITS)}, "offset": {"type": "integer"}},
             "A calendar period relative to now: offset 0 is the current one, -1 the previous one."),
    ]})


_EVENT_COUNT_OPS = ("gt", "gte", "lt", "lte", "eq")


def _event_defs(defs: dict[str, Any]) -> None:
    """How many times and when, shared by every event branch."""
    _date_defs(defs)
    whole = {"type": "integer"}
    defs.setdefault("event_count", {"anyOf": [
        _obj({"op": {"type": "string", "enum": list(_EVENT_COUNT_OPS)}, "value": whole}),
        _obj({"op": {"type": "string", "enum": ["between"]}, "value": _array(whole)}),
    ], "description": "How many matching events the person has; leave out for at least once. Never is eq 0."})
    date = {"$ref": "#/$defs/date"}
    defs.setdefault("event_window", {"anyOf": [
        _obj({"op": {"type": "string", "enum": ["within_last", "more_than_ago"]},
              "value": {"$ref": "#/$defs/relative_amount"}}),
        _obj({"op": {"type": "string", "enum": list(_ABSOLUTE_DATE_OPS)}, "value": date}),
        _obj({"op": {"type": "string", "enum": ["between"]}, "value": _array(date)}),
    ], "description": "When the events happened; leave out for all time."})


def _property_branches(properties: tuple[Field, ...], defs: dict[str, Any]) -> list[dict[str, Any]]:
    """The field branches of the event's properties, keyed ``property`` instead of ``field``."""
    groups: dict[tuple[Any, ...], list[Field]] = {}
    for prop in properties:
        groups.setdefault(_shape_key(prop), []).append(prop)
    out = []
    for props in groups.values():
        for branch in _branches(props, defs):
            fields = dict(branch["properties"])
            fields = {"property": fields.pop("field"), **fields}
            out.append({**branch, "properties": fields, "required": list(fields)})
    return out


def _event_branches(events: tuple[Event, ...], defs: dict[str, Any]) -> list[dict[str, Any]]:
    """One branch per group of events whose properties are described alike."""
    if not events:
        return []
    _event_defs(defs)
    groups: dict[str, list[Event]] = {}
    for event in events:
        key = repr([p.to_json() for p in event.properties])
        groups.setdefault(key, []).append(event)
    out = []
    for members in groups.values():
        properties: dict[str, Any] = {"event": {"type": "string", "enum": [e.name for e in members]}}
        if members[0].properties:
            properties["where"] = _array({"anyOf": _property_branches(members[0].properties, defs)})
        properties["count"] = {"$ref": "#/$defs/event_count"}
        properties["when"] = {"$ref": "#/$defs/event_window"}
        out.append({"type": "object", "properties": properties, "required": ["event"],
                    "additionalProperties": False})
    return out


def rule_schema(catalog: FieldCatalog) -> dict[str, Any]:
    """The exact schema sent as ``response_format.json_schema``, for this catalog."""
    groups: dict[tuple[Any, ...], list[Field]] = {}
    for field in catalog.queryable():
        groups.setdefault(_shape_key(field), []).append(field)
    defs: dict[str, Any] = {}
    branches: list[dict[str, Any]] = []
    for fields in groups.values():
        branches.extend(_branches(fields, defs))
    branches.extend(_event_branches(catalog.events, defs))
    defs["condition"] = {"anyOf": branches}
    condition = {"$ref": "#/$defs/condition"}
    negated = {"$ref": "#/$defs/not_condition"}
    defs["not_condition"] = _obj({"not": condition}, "Everyone the condition does not select.")
    leaf = {"anyOf": [condition, negated]}
    defs["all_group"] = _obj({"all": _array(leaf)}, "Every item must hold.")
    defs["any_group"] = _obj({"any": _array(leaf)}, "At least one item must hold.")
    item = {"anyOf": [condition, negated, {"$ref": "#/$defs/all_group"}, {"$ref": "#/$defs/any_group"}]}
    defs["root_all"] = _obj({"all": _array(item)}, "Every item must hold.")
    defs["root_any"] = _obj({"any": _array(item)}, "At least one item must hold.")
    defs["unreadable"] = _obj(
        {UNREADABLE_KEY: {"type": "string"}},
        "Use only when the text does not describe a group of people by the catalog's fields and events.",
    )
    rule = {"anyOf": [{"$ref": "#/$defs/root_all"}, {"$ref": "#/$defs/root_any"}, {"$ref": "#/$defs/unreadable"}]}
    schema = _obj({ENVELOPE_KEY: rule})
    schema["$defs"] = defs
    return schema


def envelope(rule_json: Any) -> dict[str, Any]:
    """A rule's JSON as the schema wants the whole answer: ``{"rule": ...}``."""
    return {ENVELOPE_KEY: rule_json}


FORBIDDEN_KEYWORDS = ("oneOf", "allOf", "not", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
                      "minItems", "maxItems", "minLength", "maxLength", "if", "then", "else", "uniqueItems",
                      "dependentRequired", "dependentSchemas", "patternProperties")


def subset_problems(schema: Any) -> list[str]:
    """What in ``schema`` falls outside Cohere's documented subset (empty when nothing does)."""
    found = [] if isinstance(schema, dict) and schema.get("type") == "object" else ["/: the top level must be an object"]
    _walk(schema, "", found)
    return found


def _walk(schema: Any, path: str, found: list[str]) -> None:
    # ``not`` is a keyword only where a schema is expected: a property *named* ``not`` is fine.
    if isinstance(schema, list):
        for i, sub in enumerate(schema):
            _walk(sub, f"{path}/{i}", found)
        return
    if not isinstance(schema, dict):
        return
    if schema.get("type") == "object" and not schema.get("required"):
        found.append(f"{path}: an object without a required property")
    pattern = schema.get("pattern")
    if isinstance(pattern, str) and any(bad in pattern for bad in ("^", "$", "?=", "?!")):
        found.append(f"{path}/pattern: no ^, $, ?= or ?! in patterns")
    for key, value in schema.items():
        if key in FORBIDDEN_KEYWORDS:
            found.append(f"{path}/{key}")
        if key in ("properties", "$defs"):
            for name, sub in value.items():
                _walk(sub, f"{path}/{key}/{name}", found)
        elif key not in ("enum", "required", "pattern", "description"):
            _walk(value, f"{path}/{key}", found)
