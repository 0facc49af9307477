"""Evidence files are recognised from their content, not their name or declared type."""

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings

from supervision.evidence import evidence_check, sniff
from tests.supervision.files import FAKE_JPEG, JPEG, PDF, PNG, upload


@pytest.mark.parametrize(("data", "kind"), [(PNG, "image/png"), (JPEG, "image/jpeg"), (PDF, "application/pdf")])
def test_real_files_are_recognised(data, kind):
    assert sniff(data) == kind


@pytest.mark.parametrize(
    "data",
    [
        FAKE_JPEG,
        b"GIF89a" + b"\x00" * 20,
        b"PK\x03\x04" + b"\x00" * 40,  # a zip (docx, xlsx)
        b"\xff\xd8\xff" + b"\x00" * 10,  # a JPEG header with no end: truncated or padded junk
        PNG[:20],  # a PNG cut short
        b"%PDF-1.4 no end",
        b"MZ\x90\x00",  # a Windows program
        b"<svg xmlns='http://www.w3.org/2000/svg'><script/></svg>",
    ],
)
def test_anything_else_is_refused(data):
    assert sniff(data) is None
    with pytest.raises(ValidationError) as exc:
        evidence_check([upload(data, "看起来像照片.png", "image/png")])
    assert "不是JPG、PNG 图片或 PDF 文件" in exc.value.message_dict["files"][0]


def test_the_name_and_declared_type_do_not_matter():
    checked = evidence_check([upload(PDF, "../../etc/整改报告.jpg", "image/jpeg")])
    assert checked[0].content_type == "application/pdf" and checked[0].name == "整改报告.jpg"


@override_settings(EVIDENCE_MAX_BYTES=len(PNG) - 1)
def test_size_limit():
    with pytest.raises(ValidationError):
        evidence_check([upload(PNG)])


@override_settings(EVIDENCE_MAX_FILES=2)
def test_files_per_upload_limit():
    with pytest.raises(ValidationError):
        evidence_check([upload(), upload(), upload()])


def test_every_problem_is_reported_at_once():
    with pytest.raises(ValidationError) as exc:
        evidence_check([upload(FAKE_JPEG, "a.jpg"), upload(), upload(b"", "b.png")])
    messages = exc.value.message_dict["files"]
    assert len(messages) == 2 and "a.jpg" in messages[0] and "空文件" in messages[1]
