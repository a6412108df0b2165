"""How any domain answers with an attachment once it has decided the caller may read it."""

from __future__ import annotations

from urllib.parse import quote

from fastapi.responses import Response

from hub.attachments.tables import Attachment


def attachment_response(row: Attachment, name: str | None = None) -> Response:
    """The file, immutable (its name is its hash), never sniffed or run by the browser: a PDF is
    downloaded, a picture shown, and neither may run script (`sandbox`)."""
    disposition = "inline" if row.media_type.startswith("image/") else "attachment"
    filename = quote(name or f"{row.sha256[:12]}", safe="")
    return Response(
        row.content,
        media_type=row.media_type,
        headers={
            "Cache-Control": "private, max-age=31536000, immutable",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "sandbox; default-src 'none'",
            "Content-Disposition": f"{disposition}; filename*=UTF-8''{filename}",
        },
    )
