"""A named S3 connection's secret goes only to that connection's own endpoint, and no answer or log
line carries it (issue 13). Checked on the wire, with the recording listeners of test_secrets."""

from __future__ import annotations

import logging

from conftest import ADMIN, OTHER_ADMIN

from .test_secrets import Listener, s3_error

STORED_KEY = "AKIASTOREDTEAM"
STORED_SECRET = "stored-team-secret-0123456789"


def _signed_with_stored_key(listener: Listener) -> list[str]:
    return [a for a in listener.header_values("Authorization") if a and f"Credential={STORED_KEY}/" in a]


def test_a_connection_test_at_another_endpoint_never_gets_the_stored_keys(make_live, make_listener, caplog):
    caplog.set_level(logging.INFO)
    home, elsewhere = make_listener(), make_listener()
    home.respond = elsewhere.respond = s3_error("AccessDenied", "Access Denied")
    server = make_live()
    with server.client() as c:
        body = {"name": "team", "endpoint": home.url, "access_key_id": STORED_KEY, "secret_access_key": STORED_SECRET}
        r = c.post("/api/connections", json=body)
        assert r.status_code == 201 and STORED_SECRET not in r.text, r.text
        # Its own endpoint: signed with the stored keys.
        assert c.post("/api/connections/team/test").json()["ok"] is False
        assert home.requests and _signed_with_stored_key(home)
        # Unsaved values at another endpoint: unsigned, the stored keys stay home.
        r = c.post("/api/connections/team/test", json={"endpoint": elsewhere.url})
        assert r.status_code == 200 and r.json()["ok"] is False, r.text
        assert elsewhere.requests and elsewhere.header_values("Authorization") == [None] * len(elsewhere.requests)
        # With the access key only: still no stored secret (NoCredentials, nothing signed).
        r = c.post("/api/connections/team/test", json={"endpoint": elsewhere.url, "access_key_id": STORED_KEY})
        assert r.json()["ok"] is False and _signed_with_stored_key(elsewhere) == []
        # Keys sent with the test are the only ones another endpoint gets.
        sent = {"endpoint": elsewhere.url, "access_key_id": "AKIAREQUEST", "secret_access_key": "request-secret"}
        c.post("/api/connections/team/test", json=sent)
        assert _signed_with_stored_key(elsewhere) == []
        # Moving the connection drops the secret: browsing it signs nothing with the stored secret.
        r = c.put("/api/connections/team", json={"endpoint": elsewhere.url})
        assert r.json()["has_secret"] is False
        c.get("/api/locations")
        for answer in (c.get("/api/connections"), c.get("/api/settings")):
            assert STORED_SECRET not in answer.text
    assert STORED_SECRET not in caplog.text


def test_each_connection_signs_with_its_own_keys(make_live, make_listener, other_s3_server):
    """The default's keys never go to a named connection's endpoint, nor the other way round."""
    team = make_listener()
    team.respond = s3_error("AccessDenied", "Access Denied")
    server = make_live()
    with server.client() as c:
        body = {"name": "team", "endpoint": team.url, "access_key_id": STORED_KEY, "secret_access_key": "x"}
        assert c.post("/api/connections", json=body).status_code == 201
        body = {
            "name": "other",
            "endpoint": other_s3_server.endpoint,
            **{"access_key_id": OTHER_ADMIN.access_key_id, "secret_access_key": OTHER_ADMIN.secret_access_key},
        }
        assert c.post("/api/connections", json=body).status_code == 201
        assert c.get("/api/locations").status_code == 200  # every connection asked for its buckets, at once
    authorizations = [a for a in team.header_values("Authorization") if a]
    assert authorizations and all(f"Credential={STORED_KEY}/" in a for a in authorizations)
    assert not any(ADMIN.access_key_id in a or OTHER_ADMIN.access_key_id in a for a in authorizations)
