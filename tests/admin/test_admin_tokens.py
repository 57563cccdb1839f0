"""API tokens: shown once, stored hashed, listed and revoked; the `segments token` commands."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

import pytest

from admin.tokens import PREFIX, TokenError, TokenStore
from segments.cli import main
from tests.admin.admin_helpers import NOW, TEAM


def test_token_is_stored_only_as_a_hash(store: Any) -> None:
    tokens = TokenStore(store.db)
    record, token = tokens.create(TEAM, "crm-sync", now=NOW)
    assert token.startswith(PREFIX) and len(token) >= 40
    docs = list(store.db.api_tokens.find())
    assert len(docs) == 1
    assert token not in str(docs)
    assert docs[0]["hash"] == hashlib.sha256(token.encode()).hexdigest()
    verified = tokens.verify(token, NOW)
    assert verified is not None and verified.id == record.id and verified.last_used_at == NOW
    assert tokens.verify(token + "x", NOW) is None
    assert tokens.verify("not-a-token", NOW) is None


def test_names_list_and_revoke(store: Any) -> None:
    tokens = TokenStore(store.db)
    first, _ = tokens.create(TEAM, "one", now=NOW)
    tokens.create("T2", "one", now=NOW)
    with pytest.raises(TokenError, match="already has an active token"):
        tokens.create(TEAM, "one", now=NOW)
    with pytest.raises(TokenError, match="more than one workspace"):
        tokens.revoke("one")
    assert tokens.revoke("one", TEAM).id == first.id
    assert [t.team_id for t in tokens.list()] == ["T2"]
    assert len(tokens.list(include_revoked=True)) == 2
    with pytest.raises(TokenError, match="No active token"):
        tokens.revoke(first.id)
    tokens.create(TEAM, "one", now=NOW)  # the name is free again once revoked


@pytest.mark.parametrize(("team", "name"), [("", "x"), (TEAM, "bad/name"), (TEAM, "x" * 65)])
def test_bad_token_requests(store: Any, team: str, name: str) -> None:
    with pytest.raises(TokenError):
        TokenStore(store.db).create(team, name, now=NOW)


def test_token_cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], store: Any,
                   mongo_server: Any) -> None:
    monkeypatch.setenv("MONGODB_URI", mongo_server.uri)
    monkeypatch.setenv("SEGMENTS_DB_NAME", store.db.name)
    assert main(["token", "create", "--team", TEAM, "--name", "crm-sync"]) == 0
    printed = capsys.readouterr().out
    token = printed.strip().splitlines()[-1]
    assert token.startswith(PREFIX)
    assert TokenStore(store.db).verify(token, NOW) is not None

    assert main(["token", "list"]) == 0
    listing = capsys.readouterr().out
    assert "crm-sync" in listing and TEAM in listing and token not in listing

    assert main(["token", "revoke", "crm-sync"]) == 0
    assert "Revoked" in capsys.readouterr().out
    assert TokenStore(store.db).verify(token, NOW) is None
    assert main(["token", "revoke", "crm-sync"]) == 2
    assert "No active token" in capsys.readouterr().err


def test_the_pii_scope_is_stored_beside_the_hash(store: Any) -> None:
    tokens = TokenStore(store.db)
    plain, _ = tokens.create(TEAM, "plain", now=NOW)
    full, token = tokens.create(TEAM, "crm-full", now=NOW, scopes=("pii",))
    assert not plain.reads_pii and full.reads_pii
    doc = store.db.api_tokens.find_one({"_id": full.id})
    assert doc["scopes"] == ["pii"] and token not in str(doc)
    verified = tokens.verify(token, NOW)
    assert verified is not None and verified.reads_pii
    # A token stored before scopes existed reads masked data, as it always did.
    store.db.api_tokens.update_one({"_id": plain.id}, {"$unset": {"scopes": ""}})
    assert [t.reads_pii for t in tokens.list(TEAM)] == [False, True]
    with pytest.raises(TokenError, match=re.escape("the scopes are 'pii' (--pii) and 'launch' (--launch)")):
        tokens.create(TEAM, "odd", now=NOW, scopes=("admin",))


def test_token_cli_pii_scope(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], store: Any,
                             mongo_server: Any) -> None:
    monkeypatch.setenv("MONGODB_URI", mongo_server.uri)
    monkeypatch.setenv("SEGMENTS_DB_NAME", store.db.name)
    assert main(["token", "create", "--team", TEAM, "--name", "masked"]) == 0
    assert "personal data" not in capsys.readouterr().out
    assert main(["token", "create", "--team", TEAM, "--name", "crm-full", "--pii"]) == 0
    printed = capsys.readouterr().out
    assert "reads personal data" in printed
    token = printed.strip().splitlines()[-1]
    verified = TokenStore(store.db).verify(token, NOW)
    assert verified is not None and verified.reads_pii

    assert main(["token", "list"]) == 0
    lines = {line.split()[2]: line for line in capsys.readouterr().out.splitlines()}
    assert "personal data in full" in lines["crm-full"]
    assert "personal data masked" in lines["masked"]

    assert main(["token", "list", "--json"]) == 0
    rows = {r["name"]: r for r in map(json.loads, capsys.readouterr().out.splitlines())}
    assert rows["crm-full"]["pii"] is True and rows["masked"]["pii"] is False


def test_token_cli_launch_scope(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], store: Any,
                                mongo_server: Any) -> None:
    monkeypatch.setenv("MONGODB_URI", mongo_server.uri)
    monkeypatch.setenv("SEGMENTS_DB_NAME", store.db.name)
    assert main(["token", "create", "--team", TEAM, "--name", "reader"]) == 0
    assert "launch" not in capsys.readouterr().out
    assert main(["token", "create", "--team", TEAM, "--name", "launcher", "--launch"]) == 0
    printed = capsys.readouterr().out
    assert "may launch and schedule campaigns" in printed and "personal data" not in printed
    token = printed.strip().splitlines()[-1]
    verified = TokenStore(store.db).verify(token, NOW)
    assert verified is not None and verified.launches and not verified.reads_pii
    assert main(["token", "create", "--team", TEAM, "--name", "both", "--launch", "--pii"]) == 0
    both = TokenStore(store.db).verify(capsys.readouterr().out.strip().splitlines()[-1], NOW)
    assert both is not None and both.scopes == ("launch", "pii")

    assert main(["token", "list"]) == 0
    lines = {line.split()[2]: line for line in capsys.readouterr().out.splitlines()}
    assert lines["launcher"].endswith("personal data masked  may launch campaigns")
    assert lines["reader"].endswith("personal data masked  cannot launch")
    assert lines["both"].endswith("personal data in full  may launch campaigns")

    assert main(["token", "list", "--json"]) == 0
    rows = {r["name"]: r for r in map(json.loads, capsys.readouterr().out.splitlines())}
    assert (rows["launcher"]["launch"], rows["reader"]["launch"], rows["both"]["launch"]) == (True, False, True)
    assert (rows["launcher"]["pii"], rows["both"]["pii"]) == (False, True)


def test_tokens_made_on_the_admin_page_cannot_launch(client: Any, auth: Any, store: Any) -> None:
    from tests.admin.admin_helpers import csrf_from

    auth.login()
    page = client.post("/tokens", data={"csrf_token": csrf_from(client.get("/tokens").get_data(as_text=True)),
                                        "name": "from-the-page"}).get_data(as_text=True)
    assert "cannot launch" in page and "--launch" in page
    assert [t.scopes for t in TokenStore(store.db).list(TEAM)] == [()]
