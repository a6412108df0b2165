"""The attachment store: only pictures and PDFs, once per hash, and a record names only its author's files."""

from __future__ import annotations

import hashlib
import io

import pytest
from PIL import Image
from test_hub_support import make_client, sqlite_url, user_headers

from hub.attachments.store import MAX_BYTES, uploaded_by
from hub.core.errors import Invalid


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def hub(tmp_path):
    with make_client(tmp_path, sqlite_url(tmp_path)) as client:
        client.keeper = user_headers(client, "keeper", "regulator", region="130602")
        client.other = user_headers(client, "inspector-b", "inspector", region="130600")
        yield client


def upload(client, body: bytes, headers, name: str | None = "照片.png"):
    params = {"name": name} if name is not None else {}
    return client.post("/api/v1/attachments", content=body, params=params, headers=headers)


def test_a_picture_is_kept_once_and_named_by_its_hash(hub):
    body = png()
    first = upload(hub, body, hub.keeper)
    again = upload(hub, body, hub.keeper)
    assert first.status_code == again.status_code == 201
    assert first.json() == {
        "sha256": hashlib.sha256(body).hexdigest(),
        "media_type": "image/png",
        "size": len(body),
        "name": "照片.png",
    }
    back = hub.get(f"/api/v1/attachments/{first.json()['sha256']}", headers=hub.keeper)
    assert back.status_code == 200 and back.content == body
    assert back.headers["content-type"] == "image/png"
    assert back.headers["content-security-policy"].startswith("sandbox")


def test_the_type_comes_from_the_bytes_not_the_claim(hub):
    answer = upload(hub, b"<html><script>alert(1)</script>", {**hub.keeper, "Content-Type": "image/png"})
    assert answer.status_code == 422 and answer.json()["reason"] == "attachment_type"
    pdf = upload(hub, PDF, {**hub.keeper, "Content-Type": "image/jpeg"}, name="../../etc/备案.pdf")
    assert pdf.status_code == 201
    assert pdf.json()["media_type"] == "application/pdf" and pdf.json()["name"] == ".._.._etc_备案.pdf"
    download = hub.get(f"/api/v1/attachments/{pdf.json()['sha256']}", headers=hub.keeper)
    assert download.headers["content-disposition"].startswith("attachment;")


def test_empty_and_oversized_files_are_refused(hub):
    assert upload(hub, b"", hub.keeper).json()["reason"] == "attachment_empty"
    big = b"\x89PNG\r\n\x1a\n" + bytes(MAX_BYTES)
    answer = upload(hub, big, hub.keeper)
    assert answer.status_code == 413 and answer.json()["reason"] == "attachment_size"


def test_only_the_uploader_reads_a_file_through_this_route(hub):
    sha = upload(hub, png(), hub.keeper).json()["sha256"]
    assert hub.get(f"/api/v1/attachments/{sha}", headers=hub.other).status_code == 404
    assert hub.get("/api/v1/attachments/not-a-hash", headers=hub.keeper).status_code == 404


def test_a_record_names_only_files_its_author_uploaded(hub):
    mine = upload(hub, png(), hub.keeper).json()["sha256"]
    theirs = upload(hub, PDF, hub.other).json()["sha256"]
    hub_state = hub.app.state.hub
    with hub_state.read() as session:
        assert [s.sha256 for s in uploaded_by(session, [mine], "keeper")] == [mine]
        with pytest.raises(Invalid) as refused:
            uploaded_by(session, [mine, theirs], "keeper")
        assert refused.value.reason == "attachment_unknown"
        with pytest.raises(Invalid):
            uploaded_by(session, ["x" * 64], "keeper")


def test_anonymous_uploads_are_refused(hub):
    assert hub.post("/api/v1/attachments", content=png()).status_code == 401
