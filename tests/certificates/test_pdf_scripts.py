"""Names and titles in every script print as text, not as empty boxes.

For each script: the certificate's text (pypdf) holds the name in logical
order; every character of the name has a glyph in the cmap of the font the
layout chose for it, and that font is embedded (as a subset) in the PDF; and
the band between "This certifies that" and "has completed", rendered by
pdftoppm, has ink across the width the layout measured. Glyph coverage is
compared, not pixels.
"""

import dataclasses
import io
import subprocess
import unicodedata

import pytest
from PIL import Image
from pypdf import PdfReader

from certificates.pdf import render_certificate
from core import printfonts
from tests.certificates.test_pdf import BASE

# name, course title (or None to keep the English one), fonts the name needs
SCRIPTS = {
    "latin-diacritics": ("Zoë Łukasiewicz-Núñez Nguyễn Thị", None, {printfonts.SERIF_BOLD}),
    "greek": ("Αλέξανδρος Παπαδόπουλος", "Θεραπεία ανθεκτικής κατάθλιψης", {printfonts.SERIF_BOLD}),
    "cyrillic": ("Анна Сергеевна Каренина", "Резистентная депрессия", {printfonts.SERIF_BOLD}),
    "chinese": ("王小明", "难治性抑郁症：经颅磁刺激与氯胺酮", {printfonts.CJK}),
    "japanese": ("山田 花子", "治療抵抗性うつ病の基礎", {printfonts.CJK}),
    "korean": ("김민준", "치료 저항성 우울증", {printfonts.CJK}),
    "arabic": ("محمد عبد الله الحسيني", "العلاج المعرفي للاكتئاب المقاوم", {printfonts.ARABIC_BOLD}),
    "hebrew": ("שרה בת־שבע לוי", "טיפול בדיכאון עמיד", {printfonts.HEBREW_BOLD}),
    "devanagari": ("प्रिया क्षत्रिय शर्मा", "उपचार-प्रतिरोधी अवसाद", {printfonts.DEVANAGARI_BOLD}),
    "mixed": ("Dr. Zoë 李 محمد Cohen-כהן", None, set()),  # every font above but Devanagari
}


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def flat(text: str) -> str:
    return " ".join(text.split())


def render(name: str, title: str | None) -> bytes:
    return render_certificate(dataclasses.replace(BASE, legal_name=name, course_title=title or BASE.course_title))


def embedded_fonts(reader: PdfReader) -> set[str]:
    """BaseFont names of the page's fonts, without the subset tag (``AAAAAA+``)."""
    fonts = reader.pages[0]["/Resources"]["/Font"]
    return {str(fonts[key].get_object()["/BaseFont"]).lstrip("/").split("+", 1)[-1] for key in fonts}


def face_name(font: str) -> str:
    face = printfonts.register(font).face
    return (face.name + face.subfontNameX).decode()  # "-0" for face 0 of a .ttc


@pytest.fixture(scope="module")
def pdfs():
    return {key: render(name, title) for key, (name, title, _) in SCRIPTS.items()}


@pytest.mark.parametrize("key", SCRIPTS)
def test_text_extraction_returns_the_name_in_logical_order(pdfs, key):
    """pypdf gives back exactly what was typed, right-to-left names included.

    Shaped glyphs (Arabic contextual forms and ligatures, Devanagari
    conjuncts and vowel signs drawn before their consonant) carry ToUnicode
    entries with their characters; pypdf reads right-to-left runs backwards
    into logical order. The comparison is after NFC, nothing else. (A
    right-to-left name that also holds Latin words or digits extracts with
    its runs in visual order, "محمد Smith" as "Smith محمد": see
    docs/DECISIONS.md.)
    """
    name, title, _ = SCRIPTS[key]
    text = nfc(PdfReader(io.BytesIO(pdfs[key])).pages[0].extract_text())
    assert name in text.splitlines()
    assert (title or BASE.course_title) in flat(text)


@pytest.mark.parametrize("key", SCRIPTS)
def test_every_character_has_a_glyph_in_an_embedded_font(pdfs, key):
    name, title, expected = SCRIPTS[key]
    embedded = embedded_fonts(PdfReader(io.BytesIO(pdfs[key])))
    for text in (name, title or ""):
        assert printfonts.uncovered(text) == []
        for ch in text.replace(" ", ""):
            font = printfonts.font_for(ch)
            assert ord(ch) in printfonts.register(font).cmap
            assert face_name(font) in embedded, (ch, font, embedded)
    for font in expected:
        assert face_name(font) in embedded


def test_mixed_name_uses_each_scripts_font(pdfs):
    embedded = embedded_fonts(PdfReader(io.BytesIO(pdfs["mixed"])))
    for font in (printfonts.SERIF_BOLD, printfonts.CJK, printfonts.ARABIC_BOLD, printfonts.HEBREW_BOLD):
        assert face_name(font) in embedded


def test_fonts_are_embedded_as_subsets(pdfs):
    """A CJK name embeds a few glyphs, not the 5 MB collection."""
    reader = PdfReader(io.BytesIO(pdfs["chinese"]))
    fonts = reader.pages[0]["/Resources"]["/Font"]
    names = [str(fonts[k].get_object()["/BaseFont"]) for k in fonts]
    assert all("+" in n for n in names)  # the subset tag
    assert len(pdfs["chinese"]) < 200_000


def baseline_of(reader: PdfReader, label: str) -> float:
    found = []

    def visit(text, cm, tm, font_dict, font_size):
        if label in text:
            found.append(tm[5] * cm[3] + cm[5])

    reader.pages[0].extract_text(visitor_text=visit)
    assert found, label
    return found[0]


@pytest.mark.parametrize("key", SCRIPTS)
def test_name_band_has_ink_across_the_measured_width(pdfs, key, tmp_path):
    """The rendered name is there: dark pixels spanning the width the layout measured."""
    name = SCRIPTS[key][0]
    pdf = pdfs[key]
    reader = PdfReader(io.BytesIO(pdf))
    top = baseline_of(reader, "This certifies that")
    bottom = baseline_of(reader, "has completed")
    (tmp_path / "c.pdf").write_bytes(pdf)
    dpi = 100
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-gray", "-png", "-singlefile", str(tmp_path / "c.pdf"), str(tmp_path / "p")],
        check=True,
        capture_output=True,
    )
    with Image.open(tmp_path / "p.png") as im:
        page = im.convert("L")
    scale = dpi / 72
    page_h = page.height / scale
    # between the two labels' baselines (a little below the upper one), inside the borders
    box = (40 * scale, (page_h - top + 4) * scale, (792 - 40) * scale, (page_h - bottom - 12) * scale)
    band = page.crop(tuple(round(v) for v in box))
    ink = band.point(lambda v: 255 if v < 100 else 0).getbbox()
    assert ink, "no ink where the name should be"
    left, _, right, _ = ink
    drawn = (right - left) / scale
    size = 30  # the name's largest size; these names all fit on one line at it
    expected = printfonts.line_width(printfonts.normalize(name), printfonts.NAME_STYLE, size)
    assert expected * 0.85 <= drawn <= expected * 1.05, (drawn, expected)
    # centred on the page
    centre = 40 + (left + right) / 2 / scale
    assert abs(centre - 396) < 6


def test_uncovered_characters_print_as_nothing_worse_than_the_primary_font():
    """Defence in depth: a name that slipped past the form still renders one page."""
    pdf = render("Linear B \U00010000 \U0001f600", None)
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1


def test_render_is_deterministic_for_shaped_names():
    name = SCRIPTS["arabic"][0]
    assert render(name, None) == render(name, None)


def test_cjk_in_a_bold_line_is_stroked_as_well_as_filled(pdfs):
    """WenQuanYi Micro Hei has no bold face: bold lines stroke its outlines (text render mode 2)."""
    chinese = PdfReader(io.BytesIO(pdfs["chinese"])).pages[0].get_contents().get_data()
    latin = PdfReader(io.BytesIO(pdfs["latin-diacritics"])).pages[0].get_contents().get_data()
    assert b" 2 Tr" in chinese
    assert b" 2 Tr" not in latin


def test_long_right_to_left_name_and_cjk_title_wrap_inside_the_page():
    """Lines break in logical order (then each line is reordered); CJK without spaces breaks between characters."""
    name = " ".join(["عبد الرحمن بن محمد بن عبد الله الحسيني"] * 3)
    title = "难治性抑郁症的经颅磁刺激、氯胺酮与联合治疗：循证实践与安全监测的临床课程" * 3
    reader = PdfReader(io.BytesIO(render(name, title)))
    assert len(reader.pages) == 1
    lines = nfc(reader.pages[0].extract_text()).splitlines()
    start = lines.index("This certifies that") + 1
    end = lines.index("has completed")
    assert end - start >= 2  # wrapped
    assert " ".join(lines[start:end]) == name
    assert "".join(lines[end + 1 : end + 4]) == title
    xs = []
    reader.pages[0].extract_text(visitor_text=lambda t, cm, tm, f, s: xs.append(tm[4]) if t.strip() else None)
    assert all(40 <= x <= 752 for x in xs)
