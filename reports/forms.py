"""The report form, built from a version's content (reports.content): what the page shows and what it
reads back from a POST. The services do the checking; this only carries values and messages."""

from __future__ import annotations

import uuid
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from core.uploads import SUFFIXES, sniff_document
from reports import content as content_rules
from reports.models import Submission

BLANK_TABLE_ROWS = 3
UPLOAD_SUFFIXES = tuple(SUFFIXES)
ALLOWED_LABEL = "PDF、JPG/PNG 图片、Word 或 Excel 文件"


def _display(field: dict, value: Any) -> str:
    if value in (None, ""):
        return "—"
    if field["kind"] == "choice":
        return {c[0]: c[1] for c in field["choices"]}.get(value, "—")
    if field["kind"] == "file":
        return value.get("name", "—")
    return str(value)


def form_sections(submission: Submission, data: dict, errors: dict[str, list[str]] | None = None) -> list[dict]:
    """Sections → fields with their value, display text, error and (tables) rows, for the template."""
    errors = errors or {}
    result = []
    for section in submission.version.content.get("sections", []):
        fields = []
        for f in section.get("fields", []):
            value = data.get(f["key"])
            item = {**f, "value": value, "display": _display(f, value), "error": " ".join(errors.get(f["key"], []))}
            if f["kind"] == "table":
                rows = [r for r in (value or []) if isinstance(r, dict)]
                item["rows"] = [
                    [
                        {**c, "value": r.get(c["key"]), "display": _display({**c, "kind": c["kind"]}, r.get(c["key"]))}
                        for c in f.get("columns", [])
                    ]
                    for r in rows
                ]
                blank = [[{**c, "value": None} for c in f.get("columns", [])] for _ in range(BLANK_TABLE_ROWS)]
                item["edit_rows"] = item["rows"] + blank
                item["row_count"] = len(item["edit_rows"])
            fields.append(item)
        result.append({"title": section["title"], "note": section.get("note", ""), "fields": fields})
    return result


def _store_upload(submission: Submission, upload) -> dict:
    """Check an attachment by its bytes (core.uploads, as supervision's evidence) and its size, then
    store it; served only through the report's permission-checked view."""
    name = (PurePath(upload.name or "").name or "附件")[:100]
    suffix = PurePath(name).suffix.lower()
    limit = settings.EVIDENCE_MAX_BYTES
    too_big = f"附件“{name}”超过 {limit // (1024 * 1024)} MB，请压缩后再上传。"
    if suffix not in UPLOAD_SUFFIXES:
        raise ValidationError(f"附件“{name}”不是 {ALLOWED_LABEL}。")
    if upload.size is not None and upload.size > limit:
        raise ValidationError(too_big)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise ValidationError(too_big)
    if not data:
        raise ValidationError(f"附件“{name}”是空文件。")
    content_type = sniff_document(data, suffix)
    if content_type is None:
        raise ValidationError(f"附件“{name}”的内容不是 {ALLOWED_LABEL}，或与文件扩展名不符，未上传。")
    path = default_storage.save(f"reports/{submission.pk}/{uuid.uuid4().hex}{suffix}", ContentFile(data))
    return {"name": name, "path": path, "content_type": content_type, "size": len(data)}


def parse_post(submission: Submission, post, files) -> tuple[dict, dict, dict[str, list[str]]]:
    """(raw data, explanations, upload errors) from the form as posted."""
    raw: dict[str, Any] = {}
    upload_errors: dict[str, list[str]] = {}
    for f in content_rules.fields(submission.version.content):
        key = f["key"]
        if f.get("computed"):
            continue
        if f["kind"] == "table":
            try:
                count = min(int(post.get(f"{key}-rows", "0")), content_rules.TABLE_MAX_ROWS + BLANK_TABLE_ROWS)
            except ValueError:
                count = 0
            raw[key] = [
                {c["key"]: post.get(f"{key}-{i}-{c['key']}", "") for c in f.get("columns", [])} for i in range(count)
            ]
        elif f["kind"] == "file":
            upload = files.get(key)
            if upload is not None:
                try:
                    raw[key] = _store_upload(submission, upload)
                except ValidationError as exc:
                    upload_errors[key] = exc.messages
                    raw[key] = submission.data.get(key)
            elif post.get(f"{key}-clear"):
                raw[key] = None
            else:
                raw[key] = submission.data.get(key)
        else:
            raw[key] = post.get(key, "")
    explanations = {k.removeprefix("explain:"): v for k, v in post.items() if k.startswith("explain:")}
    return raw, explanations, upload_errors
