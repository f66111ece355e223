"""Tests for the pure certificate PDF renderer (no Django, no database).

The QR test needs two Debian packages: poppler-utils (pdftoppm) and libzbar0
(for pyzbar); it is skipped, with the reason, when either is missing.
"""

import dataclasses
import datetime
import io
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from certificates.pdf import CertificatePrint, format_date, render_certificate

REPO_ROOT = Path(__file__).resolve().parents[2]

BASE = CertificatePrint(
    legal_name="Zoë O'Brien-Søndergaard",
    course_title="Treatment-Resistant Depression: TMS, Ketamine and Combined Care",
    completion_date=datetime.date(2026, 11, 23),
    ce_hours="6.0",
    format="Online, self-paced",
    provider_name="Northbridge Institute for Clinical Training",
    accreditation_statement=(
        "Northbridge Institute for Clinical Training is approved by the American "
        "Psychological Association to sponsor continuing education for psychologists. "
        "Northbridge Institute maintains responsibility for this program and its content."
    ),
    signatory_name="Margaret A. Holloway, PhD",
    signatory_title="Director of Continuing Education",
    code="7KQ2M-X9D4R-T3HVA",
    verify_url="https://example.org/verify/7KQ2M-X9D4R-T3HVA/",
)


def make(**changes) -> CertificatePrint:
    return dataclasses.replace(BASE, **changes)


def read(pdf: bytes) -> PdfReader:
    assert pdf.startswith(b"%PDF-")
    return PdfReader(io.BytesIO(pdf))


def text_of(pdf: bytes) -> str:
    reader = read(pdf)
    return "\n".join(page.extract_text() for page in reader.pages)


def flat(text: str) -> str:
    """Collapse all whitespace (line breaks from wrapping) to single spaces."""
    return " ".join(text.split())


def png_bytes(size=(300, 100), mode="RGBA") -> bytes:
    from PIL import Image, ImageDraw

    im = Image.new(mode, size, (255, 255, 255, 0) if mode == "RGBA" else (255, 255, 255))
    ImageDraw.Draw(im).line([(10, 80), (80, 20), (150, 80), (290, 30)], fill=(10, 20, 90), width=5)
    buf = io.BytesIO()
    im.save(buf, format="PNG")
    return buf.getvalue()


# --------------------------------------------------------------------------
# Content and page


def test_one_landscape_page_with_all_fields():
    pdf = render_certificate(BASE)
    reader = read(pdf)
    assert len(reader.pages) == 1
    page = reader.pages[0]
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    assert (round(width), round(height)) == (792, 612)  # US Letter, landscape
    assert width > height
    assert not page.get("/Rotate")

    text = page.extract_text()
    assert "Certificate of Completion" in text
    assert "This certifies that" in text
    assert "has completed" in text
    assert "Zoë O'Brien-Søndergaard" in text
    assert BASE.course_title in flat(text)
    assert "23 November 2026" in text
    assert "6.0" in text
    assert "6.0 CE contact hours" in text
    assert "Online, self-paced" in text
    assert BASE.provider_name in text
    assert "Margaret A. Holloway, PhD" in text
    assert "Director of Continuing Education" in text
    assert "7KQ2M-X9D4R-T3HVA" in text
    assert f"Verify at {BASE.verify_url}" in text
    assert "American Psychological Association" in flat(text)


@pytest.mark.parametrize(
    "name",
    ["Łukasiewicz", "Núñez", "Dr. Zoë Łukasiewicz-Núñez", "Zoë O'Brien-Søndergaard", "Ærøskøbing Ğüneş Čapek"],
)
def test_non_ascii_names_are_extractable(name):
    text = text_of(render_certificate(make(legal_name=name)))
    assert name in text


def test_markup_in_user_text_prints_literally():
    name = '<b>Bob</b> & "Co"'
    title = "<i>Boundaries</i> &amp; <font size=40>Ethics</font>"
    text = text_of(render_certificate(make(legal_name=name, course_title=title)))
    assert name in text
    assert title in flat(text)


def test_control_characters_are_stripped():
    pdf = render_certificate(make(legal_name="Ada\x00 \x07Lovelace\r\n\t", code="7KQ2M-X9D4R-T3HVA\x1b"))
    text = text_of(pdf)
    assert "Ada Lovelace" in text
    assert not any(ch in text for ch in "\x00\x07\x1b")


def test_date_format():
    assert format_date(datetime.date(2026, 11, 23)) == "23 November 2026"
    assert format_date(datetime.date(2027, 1, 5)) == "5 January 2027"
    assert "5 January 2027" in text_of(render_certificate(make(completion_date=datetime.date(2027, 1, 5))))


def test_metadata():
    reader = read(render_certificate(BASE))
    meta = reader.metadata
    assert meta.title == "Certificate 7KQ2M-X9D4R-T3HVA"
    assert meta.author == BASE.provider_name
    assert meta["/CreationDate"].startswith("D:20261123")


# --------------------------------------------------------------------------
# Overflow


def test_very_long_title_and_name_stay_on_one_page():
    words = "Advanced Integrative Approaches to Trauma-Informed Cognitive Behavioral Therapy "
    title = (words * 5)[:300].strip()
    name = ("Maximiliana Alexandra Łukasiewicz-Núñez von Hohenzollern-Sigmaringen " * 3)[:150].strip()
    assert len(title) >= 299 and len(name) >= 149
    pdf = render_certificate(make(legal_name=name, course_title=title, accreditation_statement="Approved. " * 80))
    reader = read(pdf)
    assert len(reader.pages) == 1
    text = flat(reader.pages[0].extract_text())
    # Shrunk and wrapped, never truncated.
    assert name in text
    assert title in text


def test_unbreakable_long_strings_stay_on_one_page():
    pdf = render_certificate(make(legal_name="X" * 150, course_title="Y" * 300, provider_name="P" * 200, code="C" * 80))
    assert len(read(pdf).pages) == 1


def test_absurdly_long_fields_are_bounded():
    """Input far beyond any real name is cut (with an ellipsis), not overflowed."""
    junk = "A" * 5000
    pdf = render_certificate(
        make(
            legal_name=junk,
            course_title=junk,
            accreditation_statement="word " * 3000,
            signatory_name=junk,
            signatory_title=junk,
            provider_name=junk,
        )
    )
    reader = read(pdf)
    assert len(reader.pages) == 1
    assert "\u2026" in reader.pages[0].extract_text()


def test_everything_drawn_inside_the_page():
    """All text and paths stay within the media box (checked via pypdf's visitor)."""
    title = ("Advanced Integrative Approaches to Trauma-Informed Care " * 6)[:300]
    pdf = render_certificate(make(legal_name="W" * 150, course_title=title))
    page = read(pdf).pages[0]
    points = []

    def visit(text, cm, tm, font_dict, font_size):
        if text.strip():
            # text origin in page space: tm then cm
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            points.append((x, y))

    page.extract_text(visitor_text=visit)
    assert points
    for x, y in points:
        assert 24 <= x <= 768 and 24 <= y <= 588, (x, y)


# --------------------------------------------------------------------------
# QR code


def test_qr_code_decodes_to_verify_url(tmp_path):
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm not installed (Debian package poppler-utils)")
    try:
        from pyzbar.pyzbar import decode
    except ImportError as exc:  # pyzbar raises ImportError when libzbar is missing
        pytest.skip(f"pyzbar unusable ({exc}); install Debian package libzbar0")
    from PIL import Image

    url = "https://example.org/verify/7KQ2M-X9D4R-T3HVA/"
    pdf_path = tmp_path / "cert.pdf"
    pdf_path.write_bytes(render_certificate(make(verify_url=url)))
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", "-singlefile", str(pdf_path), str(tmp_path / "page")],
        check=True,
        capture_output=True,
    )
    with Image.open(tmp_path / "page.png") as im:
        results = decode(im)
    assert [r.data.decode() for r in results] == [url]
    assert results[0].type == "QRCODE"


# --------------------------------------------------------------------------
# Determinism, images, purity


def test_deterministic_output():
    assert render_certificate(BASE) == render_certificate(BASE)
    sig = png_bytes()
    assert render_certificate(make(signature_image=sig)) == render_certificate(make(signature_image=sig))


def test_different_input_gives_different_output():
    assert render_certificate(BASE) != render_certificate(make(code="ABCDE-FGHJK-MNPQR"))


@pytest.mark.parametrize(
    "junk",
    [b"not an image", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, png_bytes()[:60], b"", None],
)
def test_invalid_image_bytes_are_skipped(junk):
    pdf = render_certificate(make(signature_image=junk, logo_image=junk))
    reader = read(pdf)
    assert len(reader.pages) == 1
    assert len(reader.pages[0].images) == 0
    assert "7KQ2M-X9D4R-T3HVA" in reader.pages[0].extract_text()


def test_valid_images_are_embedded():
    from PIL import Image

    jpeg = io.BytesIO()
    Image.new("RGB", (400, 160), (30, 55, 88)).save(jpeg, format="JPEG")
    pdf = render_certificate(make(signature_image=png_bytes(), logo_image=jpeg.getvalue()))
    reader = read(pdf)
    assert len(reader.pages) == 1
    assert len(reader.pages[0].images) == 2


def test_large_image_is_downscaled():
    big = png_bytes(size=(4000, 1200), mode="RGB")
    pdf = render_certificate(make(signature_image=big))
    (image,) = read(pdf).pages[0].images
    assert image.image.width <= 800


def test_module_does_not_import_django():
    code = (
        "import sys; import certificates.pdf as p; "
        "assert not [m for m in sys.modules if m == 'django' or m.startswith('django.')], 'django imported'"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, check=True)
