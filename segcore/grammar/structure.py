"""The combiner: clauses joined by and/or/not, parentheses, and value lists.

- "and", "but", "with", "who", commas join with ``all``; "or" joins with ``any``; "and" binds tighter.
- The group named before the first "who"/"with"/"that" applies to everything after it:
  "users in Delhi who spent over 5k or have 10 orders" = Delhi and (spent or orders).
- A bare value after "or"/","/"and" joins the value before it when both belong to the same field:
  "in Mumbai or Pune" = city in (Mumbai, Pune); "not in Delhi or Mumbai" = not_in; "vip or wholesale" = has_any.
- "not (...)" negates a parenthesised group.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from segcore.grammar.conditions import Context, read_clause
from segcore.grammar.kinds import ConnKind
from segcore.grammar.lexer import Item
from segcore.grammar.manual import widen
from segcore.rules import Condition, Not, Rule, all_of, any_of

_IGNORED = frozenset({"filler", "noun", "loc"})
_CONNECTIVES: dict[str, ConnKind] = {"and": "and", "or": "or", "comma": "comma", "rel": "rel"}
_MAX_PARENS = 8


@dataclass
class Clause:
    items: list[Item]


@dataclass
class Conn:
    kind: ConnKind


@dataclass
class Group:
    units: list[Unit]
    neg: bool = False
    words: list[str] = field(default_factory=list)


Unit = Clause | Conn | Group


def to_units(items: list[Item], ctx: Context) -> list[Unit]:
    stack: list[list[Unit]] = [[]]
    current: list[Item] = []

    def flush() -> None:
        nonlocal current
        if current:
            stack[-1].append(Clause(current))
        current = []

    for it in items:
        if it.kind in _CONNECTIVES:
            flush()
            if it.kind == "or" and stack[-1] and isinstance(stack[-1][-1], Conn) and stack[-1][-1].kind == "comma":
                stack[-1][-1] = Conn("or")  # "orders 2 or more, or enterprise": the comma adds nothing to "or"
                continue
            stack[-1].append(Conn(_CONNECTIVES[it.kind]))
        elif it.kind == "lp":
            flush()
            if len(stack) > _MAX_PARENS:
                ctx.problem(f"Parentheses can be nested at most {_MAX_PARENS} deep.")
                return []
            stack.append([])
        elif it.kind == "rp":
            flush()
            if len(stack) == 1:
                ctx.problem("There is a ')' without a matching '('.")
                continue
            inner = stack.pop()
            stack[-1].append(Group(inner))
        else:
            current.append(it)
    flush()
    if len(stack) > 1:
        ctx.problem("There is a '(' without a matching ')'.")
        while len(stack) > 1:
            inner = stack.pop()
            stack[-1].append(Group(inner))
    return stack[0]


def _content(items: list[Item]) -> list[Item]:
    return [it for it in items if it.kind not in _IGNORED]


def _bare_value(clause: Clause) -> Item | None:
    content = _content(clause.items)
    if len(content) == 1 and content[0].kind in ("value", "quoted"):
        return content[0]
    if (len(content) == 2 and content[0].kind == "value" and content[1].kind == "field"
            and {n for n, _ in content[0].values} & set(content[1].fields)):
        return content[0]  # "the vip or beta tag", "free or pro plan": the field word only repeats the field
    return None


def _absorb(target: Clause, value: Item, conj: str) -> bool:
    content = _content(target.items)
    if not content:
        return False
    last = content[-1]
    if last.kind == "field" and len(content) >= 2 and content[-2].kind == "value":
        last = content[-2]  # "on the free tier or pro"
    if last.kind in ("value", "quoted"):
        names = {n for n, _ in last.values}
        for _, other in last.merged:
            names &= {n for n, _ in other.values} if other.kind == "value" else names
        if value.kind == "quoted" or last.kind == "quoted" or names & {n for n, _ in value.values}:
            last.merged.append((conj, value))
            last.merged.extend(value.merged)
            return True
        return False
    if last.kind == "cond" and isinstance(last.data, Condition):
        cond: Condition | None = last.data
        for link, part in [(conj, value), *value.merged]:
            if part.kind == "quoted":
                text = str(part.data)
            else:
                found = [v for n, v in part.values if n == last.data.field]
                if not found:
                    return False
                text = found[0]
            cond = widen(cond, text, link) if cond is not None else None
        if cond is None:
            return False
        last.data = cond
        last.words = last.words + value.words
        return True
    return False


_RANGE_ENDS = ({"gt", "lt"}, {"gt", "lte"}, {"gte", "lt"}, {"gte", "lte"})


def _share_field_back(units: list[Unit]) -> None:
    """"2 or 3 orders", "1, 2 or 3 visits", "more than 3 but fewer than 10 orders": a bare number before
    "or"/"," (or the other end of a range before "and") counts what the number after it counts."""
    for index in range(len(units) - 3, -1, -1):
        u, conn, nxt = units[index], units[index + 1], units[index + 2]
        if not (isinstance(u, Clause) and isinstance(conn, Conn) and isinstance(nxt, Clause)):
            continue
        mine, theirs = _content(u.items), _content(nxt.items)
        if len(mine) != 1 or mine[0].kind != "qty" or len(theirs) < 2:
            continue
        if theirs[0].kind != "qty" or theirs[1].kind != "field":
            continue
        q, other = mine[0].data, theirs[0].data
        if q.hint or other.hint or q.money != other.money:
            continue
        if conn.kind in ("or", "comma") and q.op == other.op == "eq":
            later = units[index + 3] if index + 3 < len(units) else None
            if conn.kind == "comma" and isinstance(later, Conn) and later.kind == "or":
                conn.kind = "or"  # "1, 2 or 3 orders": the commas of a list ending in "or"
        elif not (conn.kind in ("and", "comma") and {q.op, other.op} in _RANGE_ENDS):
            continue
        u.items.append(theirs[1])
    # "bought 2 or 3 times": the number after "or" counts what the number before it counted.
    for index in range(len(units) - 2):
        u, conn, nxt = units[index], units[index + 1], units[index + 2]
        if not (isinstance(u, Clause) and isinstance(conn, Conn) and conn.kind == "or" and isinstance(nxt, Clause)):
            continue
        mine, theirs = _content(u.items), _content(nxt.items)
        if len(theirs) != 1 or theirs[0].kind != "qty" or theirs[0].data.op != "eq" or len(mine) < 2:
            continue
        pair = mine[-2:]
        field_item = next((it for it in pair if it.kind == "field"), None)
        qty_item = next((it for it in pair if it.kind == "qty"), None)
        if field_item is not None and qty_item is not None and qty_item.data.op == "eq" and not qty_item.data.hint:
            nxt.items.append(field_item)


def _one_date(clause: Unit) -> bool:
    if not isinstance(clause, Clause):
        return False
    content = _content(clause.items)
    dates = [it for it in content if it.kind == "date"]
    return (len(dates) == 1 and dates[0].data.op == "on" and len(content) <= 2
            and all(it.kind in ("date", "field") for it in content))


def _either_date(units: list[Unit]) -> None:
    """"joined in March and April", "signed up in 2024 and 2025": a user has one signup date, so two
    periods joined by "and" mean either of them (as "in Delhi and Mumbai" does for a city)."""
    for index in range(len(units) - 2):
        u, conn, nxt = units[index], units[index + 1], units[index + 2]
        if (isinstance(conn, Conn) and conn.kind in ("and", "comma") and _one_date(u) and isinstance(nxt, Clause)
                and [it.kind for it in _content(nxt.items)] == ["date"] and _one_date(nxt)):
            conn.kind = "or"


def _prepare(units: list[Unit]) -> list[Unit]:
    _share_field_back(units)
    _either_date(units)
    out: list[Unit] = []
    for u in _absorb_forward(units):
        if (isinstance(u, Clause) and len(out) >= 3 and isinstance(out[-1], Conn) and out[-1].kind in ("or", "and")
                and isinstance(out[-2], Conn) and out[-2].kind == "comma" and isinstance(out[-3], Clause)):
            # "Mumbai, Pune, or Nagpur": the comma before the last "or"/"and" of a list adds nothing.
            bare = _bare_value(u)
            if bare is not None and _absorb(out[-3], bare, out[-1].kind):
                del out[-2:]
                continue
        if isinstance(u, Clause) and len(out) >= 2 and isinstance(out[-1], Conn) and isinstance(out[-2], Clause):
            conn = out[-1]
            bare = _bare_value(u)
            if bare is not None and conn.kind in ("or", "comma", "and") and _absorb(out[-2], bare, conn.kind):
                out.pop()
                continue
            if bare is None and _join_leading_value(out[-2], u, conn.kind):
                # "free users in Pune or Chennai active in the last 2 weeks": "or" joins the two cities
                # (SPEC: one field's "or" is `in`), and the rest of the sentence is "and" again.
                out.pop()
                continue
        if isinstance(u, Group) and out and isinstance(out[-1], Clause):
            content = _content(out[-1].items)
            if content and content[-1].kind == "neg":
                out[-1].items.remove(content[-1])
                u.neg = not u.neg
                if not _content(out[-1].items):
                    out.pop()
        out.append(u)
    return out


def _join_leading_value(target: Clause, clause: Clause, conj: str) -> bool:
    """The value that opens ``clause`` joins the last value of ``target`` when both name the same field;
    what follows it in ``clause`` then continues ``target``."""
    content = _content(clause.items)
    if not content or content[0].kind != "value" or len(content) < 2:
        return False
    first = content[0]
    if conj not in ("or", "and") and not (conj == "comma" and any(c == "or" for c, _ in first.merged)):
        return False  # "Pune, Chennai or Delhi ...": a comma joins values only in a list that says "or"
    # "or pro plan active ...": a field word right after the value only repeats the value's field.
    repeated = content[1] if content[1].kind == "field" and _fields_of(first) & set(content[1].fields) else None
    if repeated is not None and len(content) < 3:
        return False
    if not _absorb(target, first, conj):
        return False
    target.items.extend(it for it in clause.items if it is not first and it is not repeated)
    return True


def _fields_of(item: Item) -> set[str]:
    return {n for n, _ in item.values}


def _absorb_forward(units: list[Unit]) -> list[Unit]:
    """"pro or enterprise users in Pune": bare values before "or"/"," join the first value after them."""
    out: list[Unit] = []
    index = 0
    while index < len(units):
        u = units[index]
        first = _bare_value(u) if isinstance(u, Clause) else None
        if first is None or first.kind != "value":
            out.append(u)
            index += 1
            continue
        run: list[tuple[str, Item]] = []
        shared = _fields_of(first)
        k = index
        target: Item | None = None
        while k + 2 < len(units):
            conn, nxt = units[k + 1], units[k + 2]
            if not (isinstance(conn, Conn) and conn.kind in ("or", "comma") and isinstance(nxt, Clause)):
                break
            content = _content(nxt.items)
            if not content or content[0].kind != "value" or content[0].merged:
                break
            if not shared & _fields_of(content[0]):
                break
            run.append((conn.kind, content[0]))
            shared &= _fields_of(content[0])
            if len(content) > 1:
                target = content[0]
                break
            k += 2
        if target is None:
            out.append(u)
            index += 1
            continue
        # Rebuild the last clause's first value as the whole list, in the order written.
        assert isinstance(units[k + 2], Clause)
        last = units[k + 2]
        assert isinstance(last, Clause)
        merged = Item("value", first.words, values=first.values, merged=run)
        last.items[last.items.index(target)] = merged
        index = k + 2
    return out


def _names_a_group(units: list[Unit]) -> bool:
    return any(isinstance(u, Clause) and any(it.kind == "noun" for it in u.items) for u in units)


def _has_content(units: list[Unit]) -> bool:
    return any(isinstance(u, Group) or (isinstance(u, Clause) and _content(u.items)) for u in units)


def _restarts_a_group(units: list[Unit], index: int) -> bool:
    """Does the "or" at ``index`` start a new group ("... or users in Delhi who ...")?"""
    nxt = units[index + 1] if index + 1 < len(units) else None
    if not isinstance(nxt, Clause):
        return False
    first = next((it for it in nxt.items if it.kind != "filler"), None)
    return first is not None and first.kind == "noun"


def build(units: list[Unit], ctx: Context) -> Rule | None:
    units = _prepare(units)
    restarts = [i for i, u in enumerate(units) if isinstance(u, Conn) and u.kind == "or" and _restarts_a_group(units, i)]
    if restarts:
        # "users in Mumbai who spent over 10k or users in Delhi who spent over 20k": each side names its own
        # group, so the first group's "who" does not reach across the "or".
        parts, start = [], 0
        for i in [*restarts, len(units)]:
            parts.append(units[start:i])
            start = i + 1
        built = [build(part, ctx) for part in parts]
        if any(r is None for r in built):
            ctx.problem("Each side of 'or' needs a condition of its own.")
        return any_of(*[r for r in built if r is not None]) if any(r is not None for r in built) else None
    for index, u in enumerate(units):
        if isinstance(u, Conn) and u.kind == "rel":
            left = units[:index]
            if _has_content(left) and any(isinstance(x, Conn) and x.kind == "or" for x in units[index + 1:]):
                rules = [r for r in (_build_commas(left, ctx), build(units[index + 1:], ctx)) if r is not None]
                return all_of(*rules) if rules else None
            break
    return _build_commas(units, ctx)


def _build_commas(units: list[Unit], ctx: Context) -> Rule | None:
    """Commas separate the big parts: "more than 20 visits or 5 orders, in Chennai" = (visits or orders)
    and Chennai."""
    rules = [r for r in (_build_or(part, ctx) for part in _split(units, {"comma"})) if r is not None]
    return all_of(*rules) if rules else None


def _split(units: list[Unit], kinds: frozenset[str] | set[str]) -> list[list[Unit]]:
    parts: list[list[Unit]] = [[]]
    for u in units:
        if isinstance(u, Conn) and u.kind in kinds:
            parts.append([])
        else:
            parts[-1].append(u)
    return parts


def _build_or(units: list[Unit], ctx: Context) -> Rule | None:
    parts = _split(units, {"or"})
    if len(parts) > 1 and any(not _has_content(p) and _names_a_group(p) for p in parts):
        ctx.problem("Each side of 'or' needs a condition of its own ('vip or customers' would be everyone).")
    parts = [part for part in parts if _has_content(part)]
    built = [_build_and(part, ctx) for part in parts]
    rules = [r for r in built if r is not None]
    if rules and len(rules) < len(built):
        # "vip or customers": one side names nobody in particular, so the "or" would mean everyone.
        ctx.problem("Each side of 'or' needs a condition of its own.")
    return any_of(*rules) if rules else None


def _build_and(units: list[Unit], ctx: Context) -> Rule | None:
    rules: list[Rule] = []
    for u in units:
        if isinstance(u, Clause):
            rules.extend(read_clause(u.items, ctx))
        elif isinstance(u, Group):
            inner = build(u.units, ctx)
            if inner is None:
                if u.neg:
                    ctx.unknown.append("not")
                continue
            rules.append(Not(inner) if u.neg else inner)
    unique = [r for index, r in enumerate(rules) if r not in rules[:index]]  # "Delhi NCR" says Delhi twice
    return all_of(*unique) if unique else None
