"""Segment pages: the list, one segment, and the create/edit form (plain language box + rule builder)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from admin.auth import login_required
from admin.charts import size_chart
from admin.errors import ApiError, from_domain
from admin.pages import bp
from admin.pages.common import services, workspace, zone_note
from admin.rulebuilder import (
    EMPTY_ROWS,
    EVENT_OPS,
    OPERATOR_LABELS,
    Row,
    rows_from_form,
    rows_from_rule,
    rule_json_from_rows,
)
from admin.whatif_charts import CurveChart, curve_charts
from admin.workspace import Sized, Workspace
from segcore import rule_to_json
from segcore.errors import RuleError, SegmentError
from segcore.explain.difference import Diff, summary
from segcore.explain.whatif import what_if
from segcore.explain.why import main_cause, stored_why, with_examples
from segcore.reading import Reading
from segcore.timezones import calendar_note

HISTORY_IN_LIST = 30


@bp.get("/segments")
@login_required
def segments() -> str:
    ws = workspace()
    rows = []
    for segment in ws.segments():
        rows.append({
            "segment": segment,
            "words": ws.describe(segment.rule),
            "chart": size_chart(ws.history(segment.id, HISTORY_IN_LIST), width=140, height=36),
        })
    return render_template("segments.html", rows=rows, zone_note=zone_note())


@bp.get("/segments/<segment_id>")
@login_required
def segment(segment_id: str) -> str:
    ws = workspace()
    found = _segment_or_404(ws, segment_id)
    after = request.args.get("after") or None
    members, next_cursor = ws.members(segment_id, after, 25)
    pii_fields = [f.name for f in services().catalog if f.pii]
    attached = ws.campaigns_for(segment_id)
    # Attaching to a scheduled campaign widens a launch that happens by itself: only for those who may launch.
    open_statuses = ("draft", "scheduled") if ws.may_launch else ("draft",)
    attachable = [c for c in ws.campaigns() if segment_id not in c.segment_ids and c.status in open_statuses]
    return render_template(
        "segment.html",
        segment=found,
        words=ws.describe(found.rule),
        chart=size_chart(ws.history(segment_id, 180), width=640, height=160),
        members=members,
        next_cursor=next_cursor,
        columns=_columns(members, pii_fields),
        attached=attached,
        attachable=attachable,
        revealed=ws.reveal_pii,
        zone_note=calendar_note(found.rule, ws.store.workspaces.local_now(ws.team_id, services().now())),
        why=_why(ws, segment_id),
    )


def _why(ws: Workspace, segment_id: str) -> dict[str, Any] | None:
    """Why the size changed over the last day, from the snapshots kept (no count on a page load)."""
    now = services().now()
    try:
        why = stored_why(ws.store, services().catalog, ws.team_id, segment_id, now - timedelta(hours=24), now)
        if why is None:
            return None
        why = with_examples(ws.services.engine, ws.team_id, why)
    except SegmentError:  # the page shows the segment anyway
        return None
    return {**why.details_json(), "summary": main_cause(why)}


def _columns(items: list[dict[str, Any]], pii_fields: list[str]) -> list[str]:
    preferred = ["user_id", *pii_fields, "city", "plan", "total_spend", "visits", "last_visit_at"]
    present = {key for item in items for key in item}
    return [c for c in preferred if c in present]


def _segment_or_404(ws: Workspace, segment_id: str) -> Any:
    try:
        return ws.segment(segment_id)
    except ApiError:
        abort(404)


@bp.post("/segments/<segment_id>/delete")
@login_required
def delete_segment(segment_id: str) -> Response:
    ws = workspace()
    found = _segment_or_404(ws, segment_id)
    ws.delete_segment(segment_id)
    flash(f"Deleted segment {found.name}.")
    return redirect(url_for("pages.segments"))


@bp.post("/segments/<segment_id>/recount")
@login_required
def recount_segment(segment_id: str) -> Response:
    ws = workspace()
    counted = ws.recount(_segment_or_404(ws, segment_id))
    flash(f"{counted.name}: {counted.last_size:,} people now.")
    return redirect(url_for("pages.segment", segment_id=segment_id))


@bp.post("/segments/<segment_id>/attach")
@login_required
def attach_campaign(segment_id: str) -> Response:
    ws = workspace()
    _segment_or_404(ws, segment_id)
    campaign_id = request.form.get("campaign_id", "")
    try:
        campaign = ws.attach(campaign_id, segment_id)
    except (ApiError, SegmentError) as exc:
        flash(str(exc), "error")
    else:
        flash(f"Attached campaign {campaign.name}.")
    return redirect(url_for("pages.segment", segment_id=segment_id))


# ------------------------------------------------------------------------------------- the form


@dataclass
class SegmentForm:
    """What the create/edit form shows: the inputs as typed, and what came of them."""

    name: str = ""
    text: str = ""
    match: str = "all"
    rows: list[Row] = field(default_factory=list)
    error: str | None = None
    error_path: str | None = None
    sized: Sized | None = None
    words: str | None = None
    nested: bool = False
    alternatives: list[dict[str, Any]] = field(default_factory=list)
    change: Diff | None = None  # editing a saved segment: what the form's rules would change
    curves: list[CurveChart] = field(default_factory=list)  # what if each threshold moved (docs/explain.md)

    def padded_rows(self) -> list[Row]:
        return [*self.rows, *[Row() for _ in range(EMPTY_ROWS)]]


def _read_form() -> SegmentForm:
    form = request.form
    rows = rows_from_form(form.getlist("field"), form.getlist("op"), form.getlist("value"))
    return SegmentForm(name=form.get("name", ""), text=form.get("text", ""), match=form.get("match", "all"), rows=rows)


def _reading(ws: Workspace, form: SegmentForm, prefer_text: bool) -> Reading:
    """The rule the form describes: the text when asked to read it (or when no rows), else the rows."""
    pick = request.form.get("pick")
    if form.text.strip() and pick is not None:
        # The admin chose one of the readings that disagreed: it is theirs now (source "user").
        found = tuple(getattr(ws.read(text=form.text), "alternatives", ()) or ())
        if not pick.isdigit() or int(pick) >= len(found):
            raise ApiError(422, "That reading is no longer offered; read the text again.")
        chosen = found[int(pick)]
        reading = Reading(chosen.rule, chosen.assumptions, "user")
        _fill_rows(form, reading)
        return reading
    if form.text.strip() and (prefer_text or not form.rows):
        reading = ws.read(text=form.text)
        if getattr(reading, "alternatives", ()):
            form.alternatives = ws.alternatives(reading)
            return reading
        _fill_rows(form, reading)
        return reading
    rule_json = rule_json_from_rows(form.match, form.rows, services().catalog)
    reading = ws.read(rule_json=rule_json)
    if form.text.strip():
        # Rows that still say what the text says keep the text's reader as their source (unless the
        # readers disagreed: then whatever the rows say was chosen by the admin).
        try:
            from_text = ws.read(text=form.text)
        except ApiError:
            return reading
        if not getattr(from_text, "alternatives", ()) and rule_to_json(from_text.rule) == rule_to_json(reading.rule):
            return from_text
    return reading


def _fill_rows(form: SegmentForm, reading: Reading) -> None:
    shape = rows_from_rule(reading.rule, services().catalog)
    if shape is None:
        form.nested = True
    else:
        form.match, form.rows = shape


def _handle_form(ws: Workspace, segment_id: str | None) -> Response | tuple[str, int] | str:
    form = _read_form()
    action = request.form.get("action", "preview")
    try:
        reading = _reading(ws, form, prefer_text=action == "read")
        if form.alternatives and action != "save":
            form.words = None
            return _render_form(form, segment_id), 200
        form.words = ws.describe(reading.rule)
        if action == "save":
            text = form.text.strip() or None
            if segment_id is None:
                saved = ws.create_segment(form.name, reading, text)
                flash(f"Saved segment {saved.name}: {saved.last_size:,} people.")
            else:
                # Counted before the write, against the rules being replaced.
                ws.unambiguous(reading)
                change = ws.diff(ws.segment(segment_id).rule, reading.rule)
                saved = ws.update_segment(segment_id, form.name, reading, text)
                flash(f"Updated segment {saved.name}: {summary(change)}")
            return redirect(url_for("pages.segment", segment_id=saved.id))
        form.sized = ws.size(reading)
        if segment_id is not None:
            form.change = ws.diff(ws.segment(segment_id).rule, reading.rule)
        answer = what_if(services().engine, ws.team_id, reading.rule, services().now())
        form.curves = curve_charts(answer, services().catalog)
    except RuleError as exc:
        form.error, form.error_path = exc.message, exc.path
    except (ApiError, SegmentError) as raised:
        problem = raised if isinstance(raised, ApiError) else from_domain(raised)
        if problem.status in (404, 503):
            raise problem from None
        form.error = problem.message
        form.alternatives = list(problem.details.get("alternatives", form.alternatives))
        if problem.details.get("not_understood"):
            form.error += " Not understood: " + " ".join(problem.details["not_understood"])
    return _render_form(form, segment_id), 200 if form.error is None else 422


def _render_form(form: SegmentForm, segment_id: str | None) -> str:
    catalog = services().catalog
    return render_template(
        "segment_form.html",
        form=form,
        segment_id=segment_id,
        fields=[f for f in catalog.queryable()],
        events=list(catalog.events),
        event_ops=EVENT_OPS,
        operator_labels=OPERATOR_LABELS,
        zone_note=zone_note(),
    )


@bp.route("/segments/new", methods=("GET", "POST"))
@login_required
def new_segment() -> Response | tuple[str, int] | str:
    if request.method == "POST":
        return _handle_form(workspace(), None)
    return _render_form(SegmentForm(text=request.args.get("text", "")), None)


@bp.route("/segments/<segment_id>/edit", methods=("GET", "POST"))
@login_required
def edit_segment(segment_id: str) -> Response | tuple[str, int] | str:
    ws = workspace()
    found = _segment_or_404(ws, segment_id)
    if request.method == "POST":
        return _handle_form(ws, segment_id)
    shape = rows_from_rule(found.rule, services().catalog)
    form = SegmentForm(name=found.name, text=found.text, words=ws.describe(found.rule))
    if shape is None:
        form.nested = True
    else:
        form.match, form.rows = shape
    return _render_form(form, segment_id)
