"""`segments parse --engine cohere|grammar|auto`, one text or --jsonl, with Cohere configured from the
environment exactly as in production (COHERE_API_KEY, COHERE_BASE_URL, COHERE_TIMEOUT)."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from segments.cli import main
from segments.cohere_factory import cohere_reader_from_settings
from segments.config import Settings
from tests.segcore.cohere_standin import Answer, cohere_standin, rules

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # pydantic notes inside the SDK

NOW = "2026-11-24T12:00:00Z"
SPEND = {"all": [{"field": "total_spend", "op": "gt", "value": 5000}]}


@pytest.fixture
def cohere_env(monkeypatch: pytest.MonkeyPatch) -> Any:
    def configure(url: str) -> None:
        monkeypatch.setenv("COHERE_API_KEY", "cli-test-key")
        monkeypatch.setenv("COHERE_BASE_URL", url)
        monkeypatch.setenv("COHERE_TIMEOUT", "1.0")

    monkeypatch.delenv("COHERE_API_KEY", raising=False)
    return configure


def test_factory_builds_a_reader_only_with_a_key() -> None:
    assert cohere_reader_from_settings(Settings.from_env({})) is None
    reader = cohere_reader_from_settings(Settings.from_env({"COHERE_API_KEY": "k", "COHERE_TIMEOUT": "2.5",
                                                            "COHERE_MODEL": "command-r-08-2024"}))
    assert reader is not None and reader.timeout == 2.5 and reader.model == "command-r-08-2024"
    reader.close()


def test_parse_with_cohere(cohere_env: Any, capsys: pytest.CaptureFixture[str]) -> None:
    with cohere_standin(rules(SPEND)) as api:
        cohere_env(api.url)
        code = main(["parse", "people who spent more than five thousand rupees", "--engine", "cohere",
                     "--now", NOW, "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["source"] == "cohere"
    assert out["filter"] == {"total_spend": {"$gt": 5000}}
    assert api.requests[0]["messages"][-1]["content"] == "people who spent more than five thousand rupees"


def test_jsonl_with_every_engine(cohere_env: Any, capsys: pytest.CaptureFixture[str],
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    import segcore.interpret as interpret_module
    from segcore.errors import ParseRefusal

    def refuse(text: str, catalog: Any, now: Any) -> Any:
        raise ParseRefusal(f"I could not read {text!r}.")

    # A grammar that reads nothing, so what auto does here does not depend on the real grammar's coverage.
    monkeypatch.setattr(interpret_module.grammar, "parse", refuse)
    lines = "spent more than five thousand\nweather tomorrow\n"
    with cohere_standin() as api:
        api.responder = lambda body: (rules(SPEND) if "spent" in body["messages"][-1]["content"]
                                      else rules({"unreadable": "not about people"}))
        cohere_env(api.url)
        results = {}
        for engine in ("cohere", "grammar", "auto"):
            monkeypatch.setattr("sys.stdin", io.StringIO(lines))
            assert main(["parse", "--jsonl", "--engine", engine, "--now", NOW]) == 0
            results[engine] = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [r["ok"] for r in results["cohere"]] == [True, False]
    assert results["cohere"][0]["source"] == "cohere"
    assert "Cohere could not read this as a segment" in results["cohere"][1]["error"]
    # The grammar engine never calls Cohere; auto uses Cohere where the grammar cannot read.
    assert all(not r["ok"] for r in results["grammar"])
    assert results["auto"][0]["source"] == "cohere" and results["auto"][0]["notice"]
    assert not results["auto"][1]["ok"]
    # Each command builds its own reader (and cache); the grammar engine made no call.
    assert len(api.requests) == 4


def test_cohere_engine_without_key_says_so(cohere_env: Any, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["parse", "spent over 5k", "--engine", "cohere", "--now", NOW, "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 1 and out == {"ok": False, "error": "Cohere is not configured (no COHERE_API_KEY)."}


def test_auto_falls_back_and_prints_one_line(cohere_env: Any, capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    import segcore.interpret as interpret_module
    from segcore.reading import Reading
    from segcore.validation import validate_json

    monkeypatch.setattr(interpret_module.grammar, "parse",
                        lambda text, catalog, now: Reading(validate_json(SPEND["all"][0], catalog)))
    with cohere_standin(Answer(status=500)) as api:
        cohere_env(api.url)
        assert main(["parse", "spent over 5k", "--now", NOW]) == 0
    out = capsys.readouterr().out
    assert "Note:     Cohere had an internal error; read by the grammar." in out
    assert "Read by:  grammar" in out
