"""The one certificate layout with a board's content: license, provider
address, approval line and both statements print, and a full board
certificate still stays inside the page and clear of the signature block."""

import dataclasses
import io

from pypdf import PdfReader

from certificates.pdf import render_certificate
from tests.certificates.test_pdf import BASE

BOARD = dataclasses.replace(
    BASE,
    ce_hours="1.75",
    credit_type="AMA PRA Category 1 Credits\u2122",
    license_number="MD-99812",
    license_jurisdiction="New South Wales",
    provider_address="12 Harbour Street, Portland, OR 97201, USA",
    approval_line="ACCME/AMA approval no. 555",
    credit_statement=(
        "Northbridge designates this enduring material for a maximum of 2 AMA PRA Category 1 Credits\u2122."
    ),
)


def positions(pdf):
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    found = []

    def visit(text, cm, tm, font_dict, font_size):
        if text.strip():
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            found.append((text.strip(), x, y))

    text = page.extract_text(visitor_text=visit)
    return " ".join(text.split()), found


def test_board_content_prints():
    text, _ = positions(render_certificate(BOARD))
    for part in (
        "License MD-99812",
        "New South Wales",
        "12 Harbour Street, Portland, OR 97201, USA",
        "ACCME/AMA approval no. 555",
        "1.75 AMA PRA Category 1 Credits\u2122",
        BASE.accreditation_statement,
        BOARD.credit_statement,
    ):
        assert part in text, part
    assert "CE contact hours" not in text


def test_a_certificate_of_completion_prints_no_board_lines():
    text, _ = positions(render_certificate(BASE))
    assert "6.0 CE contact hours" in text and "License" not in text and "approval no." not in text


def test_a_full_board_certificate_stays_inside_and_above_the_signature():
    long = dataclasses.replace(
        BOARD,
        legal_name="Maximiliana Alexandrina Konstantinopoulou-Wetherington",
        course_title="Treatment-Resistant Depression: TMS, Esketamine, Ketamine and Combined Care " * 2,
        accreditation_statement=BASE.accreditation_statement * 3,
        credit_statement=BOARD.credit_statement * 3,
    )
    _, found = positions(render_certificate(long))
    assert found
    sig_line_y = 100
    for text, x, y in found:
        assert 24 <= x <= 768 and 24 <= y <= 588, (text, x, y)
    # Everything of the central stack sits above the signature area (the
    # code, signatory and QR caption are the only text below y=150).
    bottom_texts = {t for t, _, y in found if y < sig_line_y + 50}
    assert bottom_texts <= {
        "CERTIFICATE CODE",
        long.code,
        long.signatory_name,
        long.signatory_title,
        f"Verify at {long.verify_url}",
    }, bottom_texts
