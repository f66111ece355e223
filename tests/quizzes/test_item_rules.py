"""One rule set for items: the pure rules, then each place that applies them
(admin form, curriculum loader, database, activation service), then the
guarantee that editing a live item never changes a past grade."""

import shutil

import pytest
import yaml
from django.contrib.auth.models import Group
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from wagtail.test.utils.form_data import inline_formset, nested_form_data

from courses.curriculum_schema import DEFAULT_ROOT, CurriculumError
from courses.services import enrol
from home.services import EDITORS_GROUP, ensure_editor_group
from home.services import site_install_curriculum as load_curriculum
from quizzes.item_rules import ItemRuleError, item_problems
from quizzes.item_services import question_activate, question_deactivate
from quizzes.models import Choice, Question, Quiz
from quizzes.services import attempt_start, attempt_submit
from tests.factories import correct_form, learner

# The three broken items the issue found saved as active, plus the edges.
INVALID = [
    ("single", [("A", False), ("B", False), ("C", False)], "exactly one correct"),
    ("single", [("A", True), ("B", True), ("C", False)], "exactly one correct"),
    ("single", [("A", True), ("B", False)], "at least 3 choices"),
    ("true_false", [("True", True), ("False", True), ("Maybe", True)], 'exactly two choices, "True" and "False"'),
    ("true_false", [("True", False), ("False", False)], "exactly one correct"),
    ("true_false", [("Yes", True), ("No", False)], '"True" and "False"'),
    ("multiple", [("A", False), ("B", False), ("C", False)], "at least one correct"),
    ("multiple", [("A", True), ("B", True), ("C", True)], "at least one incorrect"),
    ("multiple", [("A", True), ("B", False)], "at least 3 choices"),
]
VALID = [
    ("single", [("A", True), ("B", False), ("C", False)]),
    ("true_false", [("False", False), ("True", True)]),
    ("multiple", [("A", True), ("B", False), ("C", False)]),
    ("multiple", [("A", True), ("B", True), ("C", False), ("D", True)]),
]


def _choices(pairs):
    return [{"text": t, "correct": c} for t, c in pairs]


@pytest.mark.parametrize(("kind", "pairs", "message"), INVALID)
def test_rules_refuse_choices_that_do_not_fit_the_type(kind, pairs, message):
    problems = item_problems(type=kind, choices=_choices(pairs))
    assert list(problems) == ["choices"] and any(message in m for m in problems["choices"]), problems


@pytest.mark.parametrize(("kind", "pairs"), VALID)
def test_rules_accept_items_that_fit(kind, pairs):
    assert item_problems(type=kind, choices=_choices(pairs)) == {}


def test_rules_refuse_blank_or_duplicate_choices_and_unknown_types():
    assert (
        "Two choices have the same text."
        in item_problems(type="single", choices=_choices([("A", True), ("A", False), ("B", False)]))["choices"]
    )
    assert (
        "Every choice needs text."
        in item_problems(type="single", choices=_choices([("A", True), (" ", False), ("B", False)]))["choices"]
    )
    assert "type" in item_problems(type="essay", choices=[])


# --- admin form ---------------------------------------------------------------


@pytest.fixture
def editor(db):
    ensure_editor_group()
    user = learner(email="item-editor@example.org")
    user.groups.add(Group.objects.get(name=EDITORS_GROUP))
    return user


@pytest.fixture
def quiz(course):
    return Quiz.objects.filter(module__isnull=False).order_by("pk").first()


def _form(quiz, kind, pairs, *, key="new-item", active=True, ids=None):
    data = {
        "quiz": str(quiz.pk),
        "key": key,
        "type": kind,
        "stem": "Which of these is the item under test?",
        "explanation": "Because the rule set says so.",
        "source": "",
        "objective": "",
        "choices": inline_formset(
            [
                {"text": t, "is_correct": "on"} | ({"id": str(ids[i])} if ids else {})
                if c
                else {"text": t} | ({"id": str(ids[i])} if ids else {})
                for i, (t, c) in enumerate(pairs)
            ],
            initial=len(ids) if ids else 0,
            min=2,
            max=8,
        ),
    }
    if active:
        data["active"] = "on"
    return nested_form_data(data)


ADD_URL = "wagtailsnippets_quizzes_question:add"


@pytest.mark.django_db
@pytest.mark.parametrize(("kind", "pairs", "message"), INVALID)
def test_admin_form_refuses_an_active_invalid_item_with_the_message_on_the_choices(
    client, editor, quiz, kind, pairs, message
):
    client.force_login(editor)
    before = Question.objects.count()
    response = client.post(reverse(ADD_URL), _form(quiz, kind, pairs))
    assert response.status_code == 200  # the form again, not a redirect
    errors = response.context["form"].formsets["choices"].non_form_errors()
    assert any(message in e for e in errors), errors
    assert message.replace('"', "&quot;") in response.content.decode()
    assert Question.objects.count() == before


@pytest.mark.django_db
def test_admin_form_saves_a_valid_item_and_an_invalid_one_only_as_an_inactive_draft(client, editor, quiz):
    client.force_login(editor)
    response = client.post(reverse(ADD_URL), _form(quiz, "single", [("A", True), ("B", False), ("C", False)]))
    assert response.status_code == 302 and Question.objects.get(key="new-item").active
    draft = [("True", True), ("False", True)]
    response = client.post(reverse(ADD_URL), _form(quiz, "true_false", draft, key="draft", active=False))
    assert response.status_code == 302
    question = Question.objects.get(key="draft")
    assert not question.active

    # Ticking "active" on the broken draft is refused on the edit form too.
    edit_url = reverse("wagtailsnippets_quizzes_question:edit", args=[question.pk])
    ids = list(question.choices.order_by("sort_order").values_list("pk", flat=True))
    response = client.post(edit_url, _form(quiz, "true_false", draft, key="draft", ids=ids))
    assert response.status_code == 200
    question.refresh_from_db()
    assert not question.active
    # Fixed choices and "active" in the same save: accepted.
    response = client.post(
        edit_url, _form(quiz, "true_false", [("True", True), ("False", False)], key="draft", ids=ids)
    )
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.active and [c.is_correct for c in question.choices.order_by("sort_order")] == [True, False]


# --- curriculum loader ----------------------------------------------------------


@pytest.mark.slow
@pytest.mark.django_db
@pytest.mark.parametrize(("kind", "pairs", "message"), INVALID[:1] + INVALID[3:4] + INVALID[6:7])
def test_curriculum_loader_refuses_an_invalid_item_naming_file_and_item(tmp_path, kind, pairs, message):
    root = tmp_path / "curriculum"
    shutil.copytree(DEFAULT_ROOT, root)
    module = sorted((root / "modules").iterdir())[0]
    quiz_file = module / "quiz.yaml"
    data = yaml.safe_load(quiz_file.read_text(encoding="utf-8"))
    key = data["questions"][0]["key"]
    data["questions"][0]["type"] = kind
    data["questions"][0]["choices"] = [{"text": t, "correct": c} for t, c in pairs]
    quiz_file.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(CurriculumError) as exc:
        load_curriculum(root=root)
    where = f"modules/{module.name}/quiz.yaml"
    assert any(p.startswith(where) and f"item {key}" in p and message in p for p in exc.value.problems), (
        exc.value.problems
    )
    assert not Question.objects.exists()


# --- database --------------------------------------------------------------------


def _commit_check():
    """Fire the deferred constraint triggers now, as COMMIT would."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def _raw_item(quiz, kind, pairs, *, active, key="raw-item"):
    question = Question.objects.create(
        quiz=quiz, key=key, type=kind, stem="Raw stem?", explanation="Raw explanation.", active=active
    )
    Choice.objects.bulk_create(
        [Choice(question=question, text=t, is_correct=c, sort_order=i) for i, (t, c) in enumerate(pairs)]
    )
    return question


@pytest.mark.django_db
@pytest.mark.parametrize(("kind", "pairs", "message"), INVALID)
def test_database_refuses_an_active_invalid_item_at_commit(quiz, kind, pairs, message):
    with pytest.raises(IntegrityError, match="item raw-item: choices"), transaction.atomic():
        _raw_item(quiz, kind, pairs, active=True)
        _commit_check()
    assert not Question.objects.filter(key="raw-item").exists()


@pytest.mark.django_db
def test_database_keeps_an_inactive_draft_but_refuses_activating_it_or_breaking_a_live_item(quiz):
    with transaction.atomic():
        draft = _raw_item(quiz, "single", [("A", False), ("B", False), ("C", False)], active=False)
        _commit_check()
    with pytest.raises(IntegrityError, match="exactly one correct"), transaction.atomic():
        Question.objects.filter(pk=draft.pk).update(active=True)
        _commit_check()
    live = quiz.questions.filter(active=True, type="single").first()
    with pytest.raises(IntegrityError, match=f"item {live.key}"), transaction.atomic():
        live.choices.filter(is_correct=True).delete()
        _commit_check()
    with pytest.raises(IntegrityError, match=f"item {live.key}"), transaction.atomic():
        live.choices.update(is_correct=True)
        _commit_check()
    # Deactivating never fails, and a valid edit passes.
    with transaction.atomic():
        question_deactivate(question_id=live.pk)
        live.choices.update(is_correct=True)
        _commit_check()


@pytest.mark.django_db
def test_activation_service_refuses_a_broken_item_already_in_the_bank(quiz):
    with transaction.atomic():
        draft = _raw_item(quiz, "multiple", [("A", True), ("B", True), ("C", True)], active=False)
    with pytest.raises(ItemRuleError) as exc:
        question_activate(question_id=draft.pk)
    assert exc.value.problems == {"choices": ["A select-all item needs at least one incorrect choice."]}
    assert "item raw-item" in str(exc.value)
    draft.refresh_from_db()
    assert not draft.active
    draft.choices.filter(text="C").update(is_correct=False)
    assert question_activate(question_id=draft.pk).active


@pytest.mark.django_db
def test_migration_deactivates_items_that_already_break_the_rules(quiz):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("quizzes.migrations.0002_item_rules")
    with transaction.atomic():
        broken = _raw_item(quiz, "single", [("A", False), ("B", False), ("C", False)], active=False)
        Question.objects.filter(pk=broken.pk).update(active=True)  # as it stood before the trigger existed

        class _Editor:
            connection = connection

        migration.deactivate_broken_items(apps, _Editor())
        broken.refresh_from_db()
        assert not broken.active
        assert quiz.questions.filter(active=True).count() == quiz.questions.exclude(pk=broken.pk).count()
        _commit_check()


# --- past grades -------------------------------------------------------------------


@pytest.mark.django_db
def test_editing_a_live_item_in_the_admin_never_changes_a_past_or_open_attempts_grade(
    client, editor, course, quiz, enrolled
):
    graded = attempt_start(user=enrolled, quiz=quiz)
    graded, _ = attempt_submit(user=enrolled, attempt_id=graded.pk, form_items=correct_form(graded))
    assert graded.score == 100

    other = learner(email="second@example.org")
    enrol(user=other, course=course)
    open_attempt = attempt_start(user=other, quiz=quiz)
    form_before_edit = correct_form(open_attempt)

    # The editor moves the key of a single-answer item to another choice.
    question = quiz.questions.filter(type="single").first()
    choices = list(question.choices.order_by("sort_order"))
    new_key = next(i for i, c in enumerate(choices) if not c.is_correct)
    pairs = [(c.text, i == new_key) for i, c in enumerate(choices)]
    client.force_login(editor)
    response = client.post(
        reverse("wagtailsnippets_quizzes_question:edit", args=[question.pk]),
        _form(quiz, "single", pairs, key=question.key, ids=[c.pk for c in choices]),
    )
    assert response.status_code == 302
    assert [c.is_correct for c in question.choices.order_by("sort_order")] == [p[1] for p in pairs]

    graded.refresh_from_db()
    assert graded.score == 100 and graded.passed
    open_attempt, _ = attempt_submit(user=other, attempt_id=open_attempt.pk, form_items=form_before_edit)
    assert open_attempt.score == 100  # graded against the snapshot it was shown
