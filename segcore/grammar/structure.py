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
from segcore.grammar.lexer import Item
from segcore.grammar.manual import widen
from segcore.rules import Condition, Not, Rule, all_of, any_of

_IGNORED = frozenset({"filler", "noun", "loc"})
_CONNECTIVES = frozenset({"and", "or", "comma", "rel"})
_MAX_PARENS = 8


@dataclass
class Clause:
    items: list[Item]


@dataclass
class Conn:
    kind: str


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
            stack[-1].append(Conn(it.kind))
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


def _prepare(units: list[Unit]) -> list[Unit]:
    out: list[Unit] = []
    for u in _absorb_forward(units):
        if isinstance(u, Clause) and len(out) >= 2 and isinstance(out[-1], Conn) and isinstance(out[-2], Clause):
            conn = out[-1]
            bare = _bare_value(u)
            if bare is not None and conn.kind in ("or", "comma", "and") and _absorb(out[-2], bare, conn.kind):
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


def build(units: list[Unit], ctx: Context) -> Rule | None:
    units = _prepare(units)
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
