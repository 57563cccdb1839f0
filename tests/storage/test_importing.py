from __future__ import annotations

import io
import json
from datetime import UTC
from pathlib import Path

import pytest
from bson import json_util

from segcore.importing import ImportFailed, import_users
from segcore.storage import Store

CSV = """user_id,name,city,plan,tags,age,visits,total_spend,email_opt_in,signup_date,last_visit_at,phone
a1,Asha Rao,bangalore,pro,vip;beta,34,12,"12,500.50",yes,2025-03-01,2026-11-01T10:00:00Z,99999
a2,Ravi Das,Pune,gold,,40,3,100,no,2024-01-01,,1
a3,Li Tan,Mumbai,free,newsletter|student,twenty,3,100,no,2024-01-01,,1
a4,Omar Khan,Dubai,enterprise,,51,0,0,false,2023-06-30,,
"""


def test_csv_keeps_good_rows_and_reports_bad_ones_by_line(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "users.csv"
    path.write_text(CSV, encoding="utf-8")
    report = import_users(store.users, "T1", path)
    assert (report.imported, report.updated, report.rejected_count) == (2, 0, 2)
    assert report.rejected == [
        (3, "plan: 'gold' is not valid; allowed values: free, pro, enterprise."),
        (4, "age: 'twenty' is not valid; expected a number such as 1250 or 1250.50."),
    ]
    assert report.skipped_fields == ["phone"]
    a1 = store.users.get("T1", "a1")
    assert a1 is not None
    assert (a1["city"], a1["tags"], a1["total_spend"], a1["email_opt_in"]) == ("Bengaluru", ["vip", "beta"], 12500.5, True)
    assert a1["last_visit_at"].isoformat() == "2026-11-01T10:00:00+00:00"
    assert "phone" not in a1
    a4 = store.users.get("T1", "a4")
    assert a4 is not None and "last_visit_at" not in a4 and a4["tags"] == []
    assert store.users.get("T1", "a2") is None
    # Idempotent: the same file again changes nothing and reports updates.
    again = import_users(store.users, "T1", path)
    assert (again.imported, again.updated, again.unchanged) == (0, 0, 2)
    assert store.users.count("T1") == 2


def test_jsonl_extended_json_with_bad_lines(store: Store, sample_users: list[dict[str, object]]) -> None:
    lines = [json_util.dumps(u) for u in sample_users[:50]]
    lines.insert(10, "{not json")
    lines.insert(20, "[1, 2]")
    lines.insert(30, json.dumps({"user_id": "x", "visits": "many"}))
    lines.insert(5, "")
    report = import_users(store.users, "T1", io.StringIO("\n".join(lines) + "\n"), "jsonl")
    assert report.imported == 50
    assert [line for line, _ in report.rejected] == [12, 22, 32]
    assert "not valid JSON" in report.rejected[0][1]
    assert "visits" in report.rejected[2][1]
    original = sample_users[7]
    stored = store.users.get("T1", str(original["user_id"]))
    assert stored is not None
    assert stored["last_visit_at"] == original["last_visit_at"].replace(tzinfo=UTC)  # type: ignore[attr-defined]
    assert stored["tags"] == original["tags"]


def test_json_array_and_whole_file_errors(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "users.json"
    path.write_text(json.dumps([{"user_id": "j1", "visits": 1}, "oops", {"user_id": "j2", "orders": 2}]))
    report = import_users(store.users, "T1", path)
    assert (report.imported, report.unit, report.rejected) == (2, "item", [(2, "each item must be a JSON object describing a user.")])
    broken = tmp_path / "broken.json"
    broken.write_text('[{"user_id": "z"')
    with pytest.raises(ImportFailed, match="not valid JSON"):
        import_users(store.users, "T1", broken)
    with pytest.raises(ImportFailed, match="extension"):
        import_users(store.users, "T1", tmp_path / "users.txt")
    with pytest.raises(ImportFailed, match="There is no file"):
        import_users(store.users, "T1", tmp_path / "missing.csv")
    nocol = tmp_path / "nocol.csv"
    nocol.write_text("id,city\n1,Pune\n")
    with pytest.raises(ImportFailed, match="needs a user_id column"):
        import_users(store.users, "T1", nocol)
    assert store.users.count("T1") == 2


def test_large_import_is_chunked_and_reports_progress(store: Store) -> None:
    rows = "user_id,visits\n" + "".join(f"u{i},{i}\n" for i in range(2500))
    calls: list[tuple[int, int]] = []
    report = import_users(store.users, "T1", io.StringIO(rows), "csv", progress=lambda d, t: calls.append((d, t)))
    assert report.imported == 2500 and store.users.count("T1") == 2500
    assert len(calls) >= 3 and calls == sorted(calls)
