"""Font chains, coverage and line layout (pure: no Django, no database)."""

import subprocess
import sys
from pathlib import Path

import pytest
from reportlab.pdfbase.ttfonts import ShapedStr

from core import printfonts as pf

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("ch", "font"),
    [
        ("é", pf.SERIF_BOLD),
        ("Ω", pf.SERIF_BOLD),
        ("Ж", pf.SERIF_BOLD),
        ("ب", pf.ARABIC_BOLD),
        ("\u06f4", pf.ARABIC_BOLD),  # EXTENDED ARABIC-INDIC DIGIT FOUR (Persian, Urdu)
        ("ש", pf.HEBREW_BOLD),
        ("क", pf.DEVANAGARI_BOLD),
        ("王", pf.CJK),
        ("か", pf.CJK),
        ("カ", pf.CJK),
        ("한", pf.CJK),
    ],
)
def test_each_script_goes_to_its_font(ch, font):
    assert pf.font_for(ch, pf.SERIF_BOLD) == font


def test_script_font_wins_over_a_primary_font_that_has_the_letter():
    """DejaVu Sans has Arabic and Hebrew letters, but the names use the Noto faces."""
    assert ord("ب") in pf.register(pf.SANS).cmap
    assert pf.font_for("ب", pf.SANS) == pf.ARABIC
    assert pf.font_for("ש", pf.SANS) == pf.HEBREW


@pytest.mark.parametrize(
    ("name", "missing"),
    [
        ("\U00010000\U00010001", ["\U00010000", "\U00010001"]),  # Linear B
        ("\U0001f600", ["\U0001f600"]),  # emoji
        ("Ana \U0001f600 \U0001f600 Lima", ["\U0001f600"]),  # each listed once
        ("\u16a0\u16a2", ["\u16a0", "\u16a2"]),  # runes
        ("Zoë Łukasiewicz", []),
        ("Nguyễn Thị", []),
        ("e\u0301", []),  # decomposed é: checked in NFC
    ],
)
def test_uncovered_lists_each_missing_character_once(name, missing):
    assert pf.uncovered(name) == missing


def test_latin_names_keep_the_plain_path():
    (run,) = pf.layout_line("Zoë O'Brien-Søndergaard", pf.SERIF_BOLD)
    assert run.font == pf.SERIF_BOLD and not run.shaped and not isinstance(run.text, ShapedStr)


def fonts(text, style=pf.SERIF_BOLD):
    """Fonts of the runs in visual order, repeats merged."""
    out = []
    for run in pf.layout_line(text, style):
        if not out or out[-1] != run.font:
            out.append(run.font)
    return out


def test_mixed_left_to_right_line_keeps_the_arabic_word_in_place():
    assert fonts("Dr. محمد Smith") == [pf.SERIF_BOLD, pf.ARABIC_BOLD, pf.SERIF_BOLD]


def test_right_to_left_line_puts_the_latin_word_on_the_left():
    """First strong character Arabic: the paragraph is right to left (bidi rules P2, P3, L2)."""
    assert fonts("محمد Smith") == [pf.SERIF_BOLD, pf.ARABIC_BOLD]


def test_arabic_is_shaped_into_joined_forms_right_to_left():
    """Each letter of محمد is drawn with a joining form, not its isolated cmap glyph, last letter leftmost."""
    (run,) = pf.layout_line("محمد", pf.SERIF_BOLD)
    font = pf.register(pf.ARABIC_BOLD)
    drawn = [font.face.charToGlyph[ord(c)] for c in run.text]
    isolated = [font.face.charToGlyph[ord(c)] for c in reversed("محمد")]
    assert len(drawn) == 4
    assert all(d != i for d, i in zip(drawn, isolated, strict=True))
    assert [font._alias_text[ord(c)] for c in run.text] == list(reversed("محمد"))


def test_devanagari_conjunct_is_one_glyph_that_extracts_as_its_letters():
    (run,) = pf.layout_line("क्ष", pf.SERIF_BOLD)
    assert isinstance(run.text, ShapedStr)
    data = run.text.__shapeData__
    inked = [d for d in data if d.x_advance]
    assert len(inked) == 1  # क + ् + ष drawn as the one conjunct glyph
    font = pf.register(pf.DEVANAGARI_BOLD)
    assert "".join(font._alias_text.get(ord(c), c) for c in run.text) == "क्ष"


def test_widths_scale_with_size():
    assert pf.line_width("王小明", pf.SERIF_BOLD, 20) == pytest.approx(2 * pf.line_width("王小明", pf.SERIF_BOLD, 10))


def test_module_imports_no_django_and_no_app():
    code = (
        "import sys; from core import printfonts; "
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        "('django', 'accounts', 'certificates', 'courses', 'quizzes', 'home')"
        " or (m.startswith('core.') and m != 'core.printfonts')]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, check=True)
