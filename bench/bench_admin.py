"""The admin API and pages end to end in one process: request latency through Flask, the audience engine
and the embedded server.

    python bench/bench_admin.py --users 20000 [--repeat 5]

Requests go through Flask's test client (no sockets), so the numbers are the app's own work: routing,
token check, JSON, validation, counting and rendering. Each line is the median of --repeat runs.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from admin import AdminServices, create_app
from admin.tokens import TokenStore
from bench.common import NOW, PROMPTS, TEAM, loaded_store, median, timed
from segcore.audience import AudienceEngine
from segcore.interpret import interpret


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with loaded_store(args.users) as store:
        catalog = store.catalog
        services = AdminServices(
            store=store, engine=AudienceEngine(store), catalog=catalog, now=lambda: NOW,
            interpret=lambda text, team_id: interpret(text, catalog, NOW), team_id=TEAM,
            admin_password="bench", secret_key="bench",
        )
        app = create_app(services, {"TESTING": True})
        client = app.test_client()
        headers = {"Authorization": f"Bearer {TokenStore(store.db).create(TEAM, 'bench')[1]}"}

        def call(method: str, path: str, body: Any = None) -> Any:
            response = client.open(path, method=method, headers=headers, json=body)
            if response.status_code >= 400:
                raise SystemExit(f"{method} {path} -> {response.status_code} {response.get_data(as_text=True)}")
            return response.get_json(silent=True)

        ids = [call("POST", "/api/segments", {"name": f"s{i}", "rule": rule})["id"]
               for i, (_, rule) in enumerate(PROMPTS)]
        page = client.get("/auth/login").get_data(as_text=True)
        token = page.split('name="csrf_token" value="')[1].split('"')[0]
        client.post("/auth/login", data={"password": "bench", "csrf_token": token})

        cases: list[tuple[str, Any]] = [
            ("GET /api/health", lambda: call("GET", "/api/health")),
            (f"GET /api/segments ({len(ids)} segments)", lambda: call("GET", "/api/segments")),
            ("POST /api/segments/preview (rules, 7 prompts)",
             lambda: [call("POST", "/api/segments/preview", {"rule": r}) for _, r in PROMPTS]),
            ("POST /api/segments/preview (text: 'spent over 5k in Pune')",
             lambda: call("POST", "/api/segments/preview", {"text": "spent over 5k in Pune"})),
            ("GET /api/segments/{id}/users?limit=50", lambda: call("GET", f"/api/segments/{ids[1]}/users?limit=50")),
            ("GET /api/segments/{id}/history", lambda: call("GET", f"/api/segments/{ids[1]}/history")),
            ("PATCH /api/segments/{id} (rule, recount)",
             lambda: call("PATCH", f"/api/segments/{ids[2]}", {"rule": PROMPTS[2][1]})),
            ("POST /api/users (1,000 users)", lambda: call("POST", "/api/users", {"users": [
                {"user_id": f"b{i:05d}", "city": "Pune", "total_spend": i,
                 "last_visit_at": datetime(2026, 11, 1, tzinfo=UTC).isoformat()} for i in range(1000)]})),
            ("GET /segments (HTML, charts)", lambda: client.get("/segments")),
            ("GET /segments/{id} (HTML, members, chart)", lambda: client.get(f"/segments/{ids[1]}")),
        ]
        print(f"# {args.users:,} users, median of {args.repeat}")
        print(f"{'request':60s} {'ms':>9s}")
        for label, fn in cases:
            times = [timed(fn)[1] for _ in range(args.repeat)]
            per = median(times) / (len(PROMPTS) if "7 prompts" in label else 1)
            print(f"{label:60s} {per:9.1f}" + ("  (per prompt)" if "7 prompts" in label else ""))


if __name__ == "__main__":
    main()
