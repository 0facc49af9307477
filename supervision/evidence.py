"""Evidence uploads (佐证材料): photos (JPEG, PNG) and PDF only, recognised from their content.

The file name and the browser's declared type are not trusted: the first bytes must be a JPEG,
PNG or PDF signature and the file must end the way that format ends. Every file of an upload is
checked before any is stored, so a refused upload stores nothing. No image library is needed. The bytes are read by core.uploads (shared with the reports' attachments).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile

from core.uploads import sniff
from supervision.models import EvidenceFile

ALLOWED_LABEL = "JPG、PNG 图片或 PDF 文件"


@dataclass(frozen=True)
class CheckedFile:
    name: str
    content_type: str
    data: bytes


def _clean_name(name: str) -> str:
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    return (name or "佐证材料")[:200]


def evidence_check(uploads) -> list[CheckedFile]:
    """Read and check every upload; ``ValidationError`` (nothing kept) if any is refused."""
    uploads = [u for u in uploads or [] if u is not None]
    limit = settings.EVIDENCE_MAX_BYTES
    if len(uploads) > settings.EVIDENCE_MAX_FILES:
        raise ValidationError({"files": f"一次最多上传 {settings.EVIDENCE_MAX_FILES} 个文件。"})
    checked, errors = [], []
    for upload in uploads:
        name = _clean_name(getattr(upload, "name", ""))
        size = getattr(upload, "size", None)
        if size is not None and size > limit:
            errors.append(f"“{name}”超过 {limit // (1024 * 1024)} MB，请压缩后再上传。")
            continue
        data = upload.read(limit + 1)
        if len(data) > limit:
            errors.append(f"“{name}”超过 {limit // (1024 * 1024)} MB，请压缩后再上传。")
            continue
        if not data:
            errors.append(f"“{name}”是空文件。")
            continue
        content_type = sniff(data)
        if content_type is None:
            errors.append(f"“{name}”不是{ALLOWED_LABEL}，未上传。")
            continue
        checked.append(CheckedFile(name=name, content_type=content_type, data=data))
    if errors:
        raise ValidationError({"files": errors})
    return checked


def evidence_store(*, actor, kindergarten, files: list[CheckedFile], **links) -> list[EvidenceFile]:
    """Store checked files for ``kindergarten`` (``links``: order=, event=…). Call it last in a
    service's transaction; if saving a row fails, the files already written are removed."""
    stored: list[EvidenceFile] = []
    try:
        for checked in files:
            evidence = EvidenceFile(
                kindergarten=kindergarten,
                original_name=checked.name,
                content_type=checked.content_type,
                size=len(checked.data),
                sha256=hashlib.sha256(checked.data).hexdigest(),
                uploaded_by=actor,
                **links,
            )
            evidence.file.save("upload", ContentFile(checked.data), save=False)
            stored.append(evidence)
            evidence.full_clean()
            evidence.save()
    except Exception:
        for evidence in stored:
            evidence.file.delete(save=False)
        raise
    return stored
