"""Question banks in and out: round trips for QTI 3.0, Moodle XML and GIFT,
an independent QTI 3.0 implementation reading our export, 1EdTech-style
example items, refusals that name item and field, hostile files, and
imports that are all or nothing."""

import io
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest
from django.core.management import CommandError, call_command

from quizzes.interchange import BankChoice, BankError, BankItem, export_gift, export_moodle, export_qti
from quizzes.interchange.bank import MAX_UPLOAD_BYTES
from quizzes.interchange.services import bank_export, bank_import, bank_items, bank_plan, bank_read
from quizzes.models import Question, Quiz

FIXTURES = Path(__file__).parent / "fixtures" / "qti3_examples"

# Everything our item types hold, with the characters each format must escape.
ITEMS = [
    BankItem(
        key="rt-single",
        type="single",
        stem='Which dose <first>? A & B, "quoted", {braces} ~tilde =equals #hash: colon',
        explanation="Because 2 < 3 & the label says so.\nSecond line: Núñez.",
        choices=(BankChoice("0.5 mg/kg", True), BankChoice("1 mg/kg ~ more", False), BankChoice("=2 mg/kg", False)),
        objective="co1",
        source="Esketamine label, 2025 (section 2.1)",
    ),
    BankItem(
        key="rt-multiple",
        type="multiple",
        stem="Select all that apply: which are monitored after a dose?",
        explanation="Blood pressure and sedation are monitored for two hours.",
        choices=(
            BankChoice("Blood pressure", True),
            BankChoice("Sedation", True),
            BankChoice("Hair growth", False),
            BankChoice("Eye colour", False),
        ),
        objective="co1",
        source="",
    ),
    BankItem(
        key="rt-true-false",
        type="true_false",
        stem="TMS requires anaesthesia.",
        explanation="It is given awake, without anaesthesia.",
        choices=(BankChoice("False", True), BankChoice("True", False)),  # our order kept: False first
        objective="",
        source="A review of rTMS practice",
    ),
]

EXPORTERS = {
    "qti": lambda items: export_qti(items, identifier="round-trip"),
    "moodle": export_moodle,
    "gift": export_gift,
}


@pytest.mark.parametrize("fmt", ["qti", "moodle", "gift"])
def test_round_trip_loses_nothing_our_items_hold(fmt):
    data = EXPORTERS[fmt](ITEMS)
    assert bank_read(data=data, fmt=fmt) == ITEMS


@pytest.fixture
def final_exam(course):
    return Quiz.objects.get(course=course)


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["qti", "moodle", "gift"])
def test_round_trip_through_the_database(final_exam, fmt):
    Question.objects.filter(quiz=final_exam).delete()
    changes = bank_import(quiz=final_exam, items=ITEMS)
    assert [c.action for c in changes] == ["create"] * 3
    data, filename, _ = bank_export(quiz=final_exam, fmt=fmt)
    assert filename.startswith(f"quiz-{final_exam.pk}-bank.")
    assert bank_items(quiz=final_exam) == ITEMS
    # Re-importing the export changes nothing; deleting and importing it restores the bank.
    assert [c.action for c in bank_import(quiz=final_exam, items=bank_read(data=data, fmt=fmt))] == ["unchanged"] * 3
    Question.objects.filter(quiz=final_exam).delete()
    bank_import(quiz=final_exam, items=bank_read(data=data, fmt=fmt))
    assert bank_items(quiz=final_exam) == ITEMS


def test_an_independent_qti3_implementation_reads_our_package():
    """citolab-qti-convert (PyPI) parses QTI 3.0 packages to convert them to
    QTI 2.1; it must read ours with no warning and keep every key and choice."""
    from qti_convert import downgrade_package

    result = downgrade_package(export_qti(ITEMS, identifier="independent"))
    assert result.warnings == []
    ns = {"q": "http://www.imsglobal.org/xsd/imsqti_v2p1"}
    for item in ITEMS:
        root = ElementTree.fromstring(result.files[f"items/{item.key}.xml"])
        assert root.get("identifier") == item.key
        declaration = root.find("q:responseDeclaration", ns)
        assert declaration.get("cardinality") == ("multiple" if item.type == "multiple" else "single")
        correct = [v.text for v in declaration.findall("q:correctResponse/q:value", ns)]
        choices = root.findall(".//q:choiceInteraction/q:simpleChoice", ns)
        assert [c.text for c in choices] == [c.text for c in item.choices]
        assert correct == [c.get("identifier") for c, spec in zip(choices, item.choices, strict=True) if spec.correct]
        assert root.find(".//q:choiceInteraction/q:prompt", ns).text == item.stem
        feedback = root.find("q:modalFeedback", ns)
        assert "".join(feedback.itertext()).strip() == item.explanation
    manifest = ElementTree.fromstring(result.files["imsmanifest.xml"])
    assert len([r for r in manifest.iter() if r.tag.endswith("resource")]) == len(ITEMS)


def _zip(files):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _fixture_package():
    return _zip({str(p.relative_to(FIXTURES)): p.read_bytes() for p in FIXTURES.rglob("*") if p.is_file()})


@pytest.mark.django_db
def test_1edtech_style_example_choice_items_import(final_exam):
    items = bank_read(data=_fixture_package(), fmt="qti")
    single, multiple = items
    assert (single.key, single.type, multiple.type) == ("example-single", "single", "multiple")
    assert single.stem == (
        "A client has had no adequate response to two antidepressant trials.\n\nWhich term best describes this?"
    )
    assert [c.text for c in single.choices if c.correct] == ["Treatment-resistant depression"]
    assert [c.text for c in multiple.choices if c.correct] == ["Hydrogen", "Oxygen"]
    bank_import(quiz=final_exam, items=items)
    assert final_exam.questions.filter(key__in=["example-single", "example-multiple"], active=True).count() == 2
    # A single item file (not a package) reads too.
    alone = bank_read(data=(FIXTURES / "items" / "example-single.xml").read_bytes(), fmt="qti")
    assert alone == [single]


# --- refusals: item and field named, nothing changed ---------------------------------------

QTI_ITEM = """<?xml version="1.0" encoding="UTF-8"?>
<qti-assessment-item xmlns="http://www.imsglobal.org/xsd/imsqtiasi_v3p0" identifier="{key}" title="t">
  <qti-response-declaration identifier="RESPONSE" cardinality="single" base-type="identifier">
    <qti-correct-response><qti-value>A</qti-value></qti-correct-response>{mapping}
  </qti-response-declaration>
  <qti-item-body>{body}</qti-item-body>
</qti-assessment-item>"""
CHOICES = (
    '<qti-choice-interaction response-identifier="RESPONSE" max-choices="1"><qti-prompt>{prompt}</qti-prompt>'
    '<qti-simple-choice identifier="A">One</qti-simple-choice><qti-simple-choice identifier="B">Two</qti-simple-choice>'
    '<qti-simple-choice identifier="C">Three</qti-simple-choice></qti-choice-interaction>'
)


def _qti(key="bad", body=None, mapping="", prompt="Which?"):
    return QTI_ITEM.format(key=key, body=body or CHOICES.format(prompt=prompt), mapping=mapping).encode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_qti(prompt='Look: <img src="x.png" alt="x"/>'), "item 'bad': stem: contains <img>"),
        (_qti(body='<img src="x.png" alt="x"/>' + CHOICES.format(prompt="Which?")), "item 'bad': stem: contains <img>"),
        (
            _qti(body='<qti-text-entry-interaction response-identifier="RESPONSE"/>'),
            "item 'bad': interaction: qti-text-entry-interaction cannot be represented",
        ),
        (
            _qti(mapping='<qti-mapping default-value="0"><qti-map-entry map-key="A" mapped-value="1"/></qti-mapping>'),
            "item 'bad': scoring: partial credit",
        ),
        (_qti(key="has space"), "identifier: must be 1-40"),
        (b'<?xml version="1.0"?><assessmentItem identifier="x"/>', "not a QTI 3.0 assessment item"),
    ],
)
def test_qti_refuses_what_it_cannot_represent(data, message):
    with pytest.raises(BankError) as exc:
        bank_read(data=data, fmt="qti")
    assert any(message in p for p in exc.value.problems), exc.value.problems


MOODLE_SHORT = b"""<?xml version="1.0" encoding="UTF-8"?><quiz>
<question type="shortanswer"><name><text>sa-1</text></name>
<questiontext format="html"><text>Name it</text></questiontext>
<answer fraction="100"><text>x</text></answer></question></quiz>"""
MOODLE_FEEDBACK = b"""<?xml version="1.0" encoding="UTF-8"?><quiz>
<question type="multichoice"><name><text>fb-1</text></name>
<questiontext format="html"><text>&lt;p&gt;Pick&lt;/p&gt;</text></questiontext>
<single>true</single>
<answer fraction="100"><text>A</text><feedback><text>Well done</text></feedback></answer>
<answer fraction="0"><text>B</text></answer><answer fraction="0"><text>C</text></answer></question></quiz>"""


@pytest.mark.parametrize(
    ("fmt", "data", "message"),
    [
        ("moodle", MOODLE_SHORT, "question 1 (sa-1): type: Moodle 'shortanswer' questions cannot be represented"),
        ("moodle", MOODLE_FEEDBACK, "question 1 (fb-1): answer 1 feedback: per-choice feedback"),
        ("gift", b"::n1::What is 2+2?{#4}", "question 1 (n1): type: numeric"),
        ("gift", b"::mw::The sky is {=blue ~green} today.", "question 1 (mw): stem: text after the answers"),
        ("gift", b"::fb::Pick{=A#yes ~B ~C}", "question 1 (fb): answer feedback"),
        ("gift", b"::pc::Pick{=A ~%50%B ~C}", "question 1 (pc): answer weight: partial credit"),
    ],
)
def test_moodle_and_gift_refuse_what_they_cannot_represent(fmt, data, message):
    with pytest.raises(BankError) as exc:
        bank_read(data=data, fmt=fmt)
    assert any(message in p for p in exc.value.problems), exc.value.problems


@pytest.mark.django_db
def test_a_file_with_one_bad_item_imports_nothing_and_names_every_problem(final_exam):
    before = sorted(Question.objects.values_list("id", "key", "stem"))
    broken = [
        ITEMS[0],
        BankItem(
            "rt-broken",
            "single",
            "Two keys?",
            "x",
            (BankChoice("A", True), BankChoice("B", True), BankChoice("C", False)),
        ),
        BankItem("rt-objective", "single", "Where?", "x", ITEMS[0].choices, objective="nope"),
    ]
    with pytest.raises(BankError) as exc:
        bank_import(quiz=final_exam, items=broken)
    assert exc.value.problems == [
        "item rt-broken: choices: A single-answer item needs exactly one correct choice (this one has 2).",
        "item rt-objective: objective: 'nope' is not an objective of this quiz's module or course",
    ]
    assert sorted(Question.objects.values_list("id", "key", "stem")) == before


@pytest.mark.django_db
def test_a_key_used_by_another_quiz_is_refused(final_exam):
    other = Quiz.objects.filter(module__isnull=False).first()
    taken = other.questions.first().key
    with pytest.raises(BankError, match=f"item {taken}: key: already used by an item of the quiz"):
        bank_plan(quiz=final_exam, items=[BankItem(taken, "single", "Stem?", "Why.", ITEMS[0].choices)])


@pytest.mark.django_db
def test_a_failure_while_writing_rolls_back_every_item(final_exam, monkeypatch):
    Question.objects.filter(quiz=final_exam).delete()
    original = Question.save
    saved = []

    def fail_on_second(self, *args, **kwargs):
        saved.append(self.key)
        if len(saved) == 2:
            raise RuntimeError("disk full")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Question, "save", fail_on_second)
    with pytest.raises(RuntimeError):
        bank_import(quiz=final_exam, items=ITEMS)
    monkeypatch.setattr(Question, "save", original)
    assert not Question.objects.filter(quiz=final_exam).exists()


# --- hostile files -----------------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<quiz><question type="multichoice"><name><text>&lol3;</text></name></question></quiz>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE q [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<qti-assessment-item xmlns="http://www.imsglobal.org/xsd/imsqtiasi_v3p0" identifier="x">&xxe;</qti-assessment-item>"""


@pytest.mark.parametrize(
    ("fmt", "data", "message"),
    [
        ("moodle", BILLION_LAUGHS, "XML with a DOCTYPE or entity declarations is not accepted"),
        ("qti", EXTERNAL_ENTITY, "XML with a DOCTYPE or entity declarations is not accepted"),
        ("qti", _zip({"imsmanifest.xml": BILLION_LAUGHS}), "imsmanifest.xml: XML with a DOCTYPE"),
        ("moodle", b"<quiz>" + b" " * (MAX_UPLOAD_BYTES + 1) + b"</quiz>", "larger than the 5 MiB limit"),
        ("gift", "::k::Ca\u00f1on?{=A ~B ~C}".encode("latin-1"), "not UTF-8 text (invalid byte at position 7)"),
        (
            "moodle",
            '<?xml version="1.0" encoding="ISO-8859-1"?><quiz/>'.encode("latin-1"),
            "declares the encoding ISO-8859-1; only UTF-8 is accepted",
        ),
        ("moodle", b"<quiz><question>", "not well-formed XML"),
        ("qti", _zip({"../evil.xml": b"x", "imsmanifest.xml": b"<m/>"}), "'../evil.xml' points outside the package"),
        ("qti", _zip({"/etc/cron.d/x": b"x"}), "'/etc/cron.d/x' points outside the package"),
        ("qti", _zip({"imsmanifest.xml": b"\0" * (21 * 2**20)}), "unpacks to more than 20 MiB"),
        ("qti", b"PK\x03\x04 not really a zip", "package: not a zip file"),
        ("qti", _zip({"items/a.xml": b"<x/>"}), "imsmanifest.xml is missing"),
    ],
)
def test_hostile_or_malformed_files_get_a_clear_refusal(fmt, data, message):
    with pytest.raises(BankError) as exc:
        bank_read(data=data, fmt=fmt)
    assert any(message in p for p in exc.value.problems), exc.value.problems


# --- management commands ----------------------------------------------------------------------


@pytest.mark.django_db
def test_export_and_import_commands(final_exam, tmp_path, capsys):
    Question.objects.filter(quiz=final_exam).delete()
    bank_import(quiz=final_exam, items=ITEMS)
    target = tmp_path / "bank.txt"
    call_command("export_bank", final_exam.pk, "--format", "gift", "-o", str(target))
    assert "rt-single" in target.read_text(encoding="utf-8")
    Question.objects.filter(key="rt-multiple").delete()
    call_command("import_bank", final_exam.pk, str(target), "--format", "gift", "--dry-run")
    out = capsys.readouterr().out
    assert "create    rt-multiple" in out and "would change: 1 new, 0 updated, 2 unchanged" in out
    assert not Question.objects.filter(key="rt-multiple").exists()
    call_command("import_bank", final_exam.pk, str(target), "--format", "gift")
    assert Question.objects.filter(key="rt-multiple", quiz=final_exam).exists()
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"::rt-single::Changed?{=A =B ~C}")
    with pytest.raises(CommandError, match="refused, nothing imported"):
        call_command("import_bank", final_exam.pk, str(bad), "--format", "gift")
    assert Question.objects.get(key="rt-single").stem == ITEMS[0].stem


# --- the admin: upload, preview, confirm; download ----------------------------------------


@pytest.fixture
def editor(db):
    from django.contrib.auth.models import Group

    from home.services import EDITORS_GROUP, ensure_editor_group
    from tests.factories import learner

    ensure_editor_group()
    user = learner(email="bank-editor@example.org")
    user.groups.add(Group.objects.get(name=EDITORS_GROUP))
    return user


def _upload(name, data, fmt):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {"format": fmt, "file": SimpleUploadedFile(name, data)}


@pytest.mark.django_db
def test_admin_upload_previews_then_imports_only_on_confirm(client, editor, final_exam):
    from django.urls import reverse

    client.force_login(editor)
    url = reverse("quiz_bank_import", args=[final_exam.pk])
    assert client.get(url).status_code == 200
    before = Question.objects.count()
    preview = client.post(url, _upload("bank.txt", export_gift(ITEMS), "gift"))
    body = preview.content.decode()
    assert preview.status_code == 200 and "3 new items, 0 updated, 0 unchanged" in body and "rt-true-false" in body
    assert Question.objects.count() == before  # a preview writes nothing
    token = preview.context["token"]
    confirm = reverse("quiz_bank_import_confirm", args=[final_exam.pk])
    assert client.post(confirm, {"token": "stale"}).status_code == 302
    assert Question.objects.count() == before
    response = client.post(confirm, {"token": token})
    assert response.status_code == 302 and response["Location"].endswith(f"?quiz={final_exam.pk}")
    assert bank_items(quiz=final_exam)[-3:] == ITEMS
    # The same file again: everything unchanged.
    again = client.post(url, _upload("bank.txt", export_gift(ITEMS), "gift"))
    assert "0 new items, 0 updated, 3 unchanged" in again.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "data", "fmt", "message"),
    [
        ("lol.xml", BILLION_LAUGHS, "moodle", "XML with a DOCTYPE or entity declarations is not accepted"),
        ("slip.zip", _zip({"../evil.xml": b"x"}), "qti", "points outside the package folder"),
        ("big.xml", b"x" * (MAX_UPLOAD_BYTES + 1), "moodle", "the limit is 5 MiB. Nothing was imported."),
        ("latin.txt", "::k::Ca\u00f1on?{=A ~B ~C}".encode("latin-1"), "gift", "not UTF-8 text"),
    ],
)
def test_admin_refuses_hostile_uploads_with_a_clear_400(client, editor, final_exam, name, data, fmt, message):
    from django.urls import reverse

    client.force_login(editor)
    before = sorted(Question.objects.values_list("id", "stem"))
    response = client.post(reverse("quiz_bank_import", args=[final_exam.pk]), _upload(name, data, fmt))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert sorted(Question.objects.values_list("id", "stem")) == before


@pytest.mark.django_db
def test_admin_download_in_each_format(client, editor, final_exam):
    from django.urls import reverse

    client.force_login(editor)
    package = client.get(reverse("quiz_bank_export", args=[final_exam.pk, "qti"]))
    assert package.status_code == 200 and package["Content-Type"] == "application/zip"
    assert "imsmanifest.xml" in zipfile.ZipFile(io.BytesIO(package.content)).namelist()
    assert len(bank_read(data=package.content, fmt="qti")) == final_exam.questions.count()
    for fmt in ("moodle", "gift"):
        response = client.get(reverse("quiz_bank_export", args=[final_exam.pk, fmt]))
        assert (
            response.status_code == 200 and f'filename="quiz-{final_exam.pk}-bank.' in response["Content-Disposition"]
        )
    assert client.get(reverse("quiz_bank_export", args=[final_exam.pk, "docx"])).status_code == 404
