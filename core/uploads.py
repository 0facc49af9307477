"""What an uploaded file really is, from its bytes (never its name or the browser's declared type).

One reader for every app: supervision's evidence (photos and PDF) and the monthly reports' attachments
(also Word and Excel). Office files are recognised without opening them: the legacy ones by the OLE2
signature, the current ones as a ZIP whose directory names the format's own parts (nothing is
decompressed, so a ZIP bomb costs nothing here). Macro-enabled workbooks and documents are refused.
"""

from __future__ import annotations

import io
import zipfile

JPEG, PNG, PDF = "image/jpeg", "image/png", "application/pdf"
DOC, XLS = "application/msword", "application/vnd.ms-excel"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
OFFICE_SUFFIXES = {".doc": DOC, ".xls": XLS, ".docx": DOCX, ".xlsx": XLSX}
SUFFIXES = {".jpg": JPEG, ".jpeg": JPEG, ".png": PNG, ".pdf": PDF, **OFFICE_SUFFIXES}


def sniff(data: bytes) -> str | None:
    """The content type the bytes really are (image/jpeg, image/png, application/pdf), else None."""
    if data.startswith(b"\xff\xd8\xff") and b"\xff\xd9" in data[-1024:]:
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR" and b"IEND" in data[-64:]:
        return PNG
    if data.startswith(b"%PDF-") and b"%%EOF" in data[-1024:]:
        return PDF
    return None


def _office_zip(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return None
    if "[Content_Types].xml" not in names or any(n.lower().endswith("vbaproject.bin") for n in names):
        return None
    if "word/document.xml" in names:
        return DOCX
    if "xl/workbook.xml" in names:
        return XLSX
    return None


def sniff_document(data: bytes, suffix: str) -> str | None:
    """Like ``sniff``, and also Word and Excel files (.doc/.xls by the OLE2 signature, the name's suffix
    telling which; .docx/.xlsx by their ZIP parts). None when the bytes are none of them, or when the
    name's suffix claims another kind than the bytes are."""
    suffix = suffix.lower()
    found = sniff(data)
    if found is None and data.startswith(OLE2) and suffix in (".doc", ".xls"):
        found = OFFICE_SUFFIXES[suffix]
    elif found is None and data.startswith(b"PK\x03\x04"):
        found = _office_zip(data)
    if found is None or SUFFIXES.get(suffix) != found:
        return None
    return found
