"""Report attachments: recognised from their bytes (core.uploads, shared with supervision's evidence),
size-limited, stored only when the whole form is fine, served only to who may see the report."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.uploads import DOCX, OLE2, XLSX, sniff_document
from reports.models import Submission
from tests.reports.conftest import FEB
from tests.supervision.files import FAKE_JPEG, JPEG, PDF


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}


def office_zip(*names: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in ("[Content_Types].xml", *names):
            archive.writestr(name, "<x/>")
    return buffer.getvalue()


DOCX_BYTES = office_zip("word/document.xml")
XLSX_BYTES = office_zip("xl/workbook.xml")
XLSM_BYTES = office_zip("xl/workbook.xml", "xl/vbaProject.bin")
OLE2_BYTES = OLE2 + b"\x00" * 512


@pytest.mark.parametrize(
    ("data", "suffix", "expected"),
    [
        (PDF, ".pdf", "application/pdf"),
        (JPEG, ".jpg", "image/jpeg"),
        (DOCX_BYTES, ".docx", DOCX),
        (XLSX_BYTES, ".xlsx", XLSX),
        (OLE2_BYTES, ".xls", "application/vnd.ms-excel"),
        (OLE2_BYTES, ".doc", "application/msword"),
        (XLSM_BYTES, ".xlsx", None),  # macros: refused
        (DOCX_BYTES, ".xlsx", None),  # a Word file named as a workbook
        (PDF, ".jpg", None),  # a PDF named as a photo
        (FAKE_JPEG, ".jpg", None),
        (b"PK\x03\x04broken", ".docx", None),
        (OLE2_BYTES, ".pdf", None),
    ],
)
def test_documents_are_recognised_from_their_bytes(data, suffix, expected):
    assert sniff_document(data, suffix) == expected


def _post(client, sub, upload):
    return client.post(
        reverse("reports:submission-detail", args=[sub.pk]), {"action": "save", "attachment": upload}, follow=True
    )


def test_a_real_pdf_is_stored_and_served_only_in_scope(client, feb_open, at):
    cast = feb_open
    sub = Submission.objects.get(report_type=cast.kg_type, month=FEB, kindergarten=cast.kg_a1)
    client.force_login(cast.kg_director)
    with at(2025, 3, 5, 10, 0, 0):
        response = _post(client, sub, SimpleUploadedFile("检查记录.pdf", PDF, content_type="text/html"))
    assert "已暂存" in response.content.decode()
    sub.refresh_from_db()
    stored = sub.data["attachment"]
    assert stored["name"] == "检查记录.pdf" and stored["content_type"] == "application/pdf"
    url = reverse("reports:submission-file", args=[sub.pk])
    served = client.get(url)
    assert served.status_code == 200 and b"".join(served.streaming_content) == PDF
    assert served["Content-Type"] == "application/pdf" and served["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in served["Content-Disposition"]
    client.force_login(cast.bureau_staff)  # the receiving district
    assert client.get(url).status_code == 200
    for outsider in (cast.director_a2, cast.admin_b, cast.no_scope):
        client.force_login(outsider)
        assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("照片.jpg", FAKE_JPEG, "的内容不是"),
        ("宏.xlsm", XLSX_BYTES, "不是 PDF"),
        ("空.pdf", b"", "是空文件"),
        ("大.pdf", PDF + b"%" * 2048, "超过"),
    ],
)
def test_refused_uploads_store_nothing_and_say_why(client, feb_open, at, settings, name, data, message):
    settings.EVIDENCE_MAX_BYTES = 1024
    cast = feb_open
    sub = Submission.objects.get(report_type=cast.kg_type, month=FEB, kindergarten=cast.kg_a1)
    client.force_login(cast.kg_director)
    with at(2025, 3, 5, 10, 0, 0):
        response = _post(client, sub, SimpleUploadedFile(name, data, content_type="application/pdf"))
    assert response.status_code == 200 and message in response.content.decode()
    sub.refresh_from_db()
    assert not sub.data.get("attachment")
    assert not [p for p in settings.MEDIA_ROOT.glob("reports/**/*") if p.is_file()]
