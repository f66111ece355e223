"""The flagship curriculum files: validation, loading, idempotence, content checks.

These tests read the curriculum files (and, for provenance, the seed articles
in ../shared/seeds); they do not rely on any course being in the database.
"""

import math
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import call_command

from courses.curriculum_schema import DEFAULT_ROOT, CurriculumError, read_curriculum
from courses.models import CoursePage, EvaluationQuestion, LessonPage, ModulePage
from home.services import site_install_curriculum as load_curriculum
from quizzes.models import Question, Quiz

SEEDS = Path(settings.BASE_DIR).parent / "shared" / "seeds"

# Each full curriculum load takes seconds: the whole suite runs these, the quick tier does not.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def curriculum():
    return read_curriculum()


@pytest.fixture(scope="module")
def seed_names():
    assert SEEDS.is_dir(), f"the seed articles are expected at {SEEDS}"
    return {p.name for p in SEEDS.glob("*.txt")}


# --- content checks -----------------------------------------------------------


def test_six_modules_with_objectives_and_lessons(curriculum):
    assert [m.meta.order for m in curriculum.modules] == [1, 2, 3, 4, 5, 6]
    for module in curriculum.modules:
        assert 3 <= len(module.meta.objectives) <= 5, module.meta.slug
        assert len(module.lessons) >= 3, module.meta.slug
        assert sum(lesson.front.free_preview for lesson in module.lessons) <= 1


def test_ce_hours_follow_the_documented_method(curriculum):
    from courses.ce_hours import ce_hours, lesson_minutes, total_minutes

    words = [lesson.word_count for m in curriculum.modules for lesson in m.lessons]
    for module in curriculum.modules:
        for lesson in module.lessons:
            assert lesson.front.estimated_minutes == lesson_minutes(lesson.word_count), lesson.path.name
    items = sum(m.meta.quiz.questions_per_attempt for m in curriculum.modules)
    items += curriculum.course.final_exam.questions_per_attempt
    assert curriculum.course.ce_hours == ce_hours(lesson_words=words, assessment_items=items)
    minutes = total_minutes(lesson_words=words, assessment_items=items)
    assert f"{minutes} minutes" in curriculum.course.disclosures.hours_method
    assert f"{curriculum.course.ce_hours} contact hours" in curriculum.course.accreditation_statement
    assert "time-spent" in {q.key for q in curriculum.evaluation.questions}


def test_the_course_file_must_carry_every_ce_disclosure(tmp_path):
    root = _broken_copy(tmp_path, "course.yaml", "  commercial_support: >-", "  commercial_supp0rt: >-")
    with pytest.raises(CurriculumError) as exc:
        read_curriculum(root)
    assert "course.yaml: disclosures.commercial_support: Field required" in exc.value.problems
    root2 = _broken_copy(tmp_path / "b", "course.yaml", "next_review_date: 2027-11-30", "next_review_date: 2026-01-01")
    with pytest.raises(CurriculumError, match="next_review_date must be after release_date"):
        read_curriculum(root2)


def test_lessons_are_substantial_and_use_the_lesson_blocks(curriculum):
    for module in curriculum.modules:
        for lesson in module.lessons:
            kinds = Counter(kind for kind, _ in lesson.blocks)
            where = lesson.path.name
            assert 380 <= lesson.word_count <= 950, f"{where}: {lesson.word_count} words"
            assert kinds["key_fact"] >= 1 and kinds["caution"] >= 1 and kinds["references"] == 1, where
        assert any(kind == "table" for lesson in module.lessons for kind, _ in lesson.blocks), module.meta.slug


def test_every_cited_key_resolves_to_the_registry(curriculum):
    keys = set(curriculum.sources)
    cited = set()
    for module in curriculum.modules:
        for lesson in module.lessons:
            for kind, value in lesson.blocks:
                if kind == "key_fact":
                    assert value["source_key"] in keys, f"{lesson.path.name}: {value['source_key']}"
                    cited.add(value["source_key"])
                if kind == "paragraph":
                    for key in re.findall(r'href="/learning/sources/#src-([a-z0-9-]+)"', value):
                        assert key in keys, f"{lesson.path.name}: {key}"
                        cited.add(key)
            for key in lesson.front.references:
                assert key in keys, f"{lesson.path.name}: {key}"
                cited.add(key)
        for item in (*module.quiz, *module.final_items):
            assert set(item.source) <= keys, f"{item.key}: {item.source}"
            cited.update(item.source)
    # every web article keeps its place as the course's starting material
    assert {k for k, s in curriculum.sources.items() if s.kind == "web_article"} <= cited


def test_the_registry_labels_web_articles_and_gives_every_paper_a_doi(curriculum):
    kinds = Counter(s.kind for s in curriculum.sources.values())
    assert kinds["web_article"] == 5 and kinds["peer_reviewed"] >= 12, kinds
    assert sum(s.promotional for s in curriculum.sources.values()) == 2
    for source in curriculum.sources.values():
        if source.kind == "peer_reviewed":
            assert re.fullmatch(r"10\.\d{4,9}/\S+", source.doi), source.key
            assert f"doi:{source.doi}" in source.citation()
        if source.kind == "regulatory":
            assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", source.date), source.key


FILE_NAME = re.compile(r"\b\d{3}_[0-9a-f]{16}(\.txt)?\b")


def _learner_facing_files():
    base = Path(settings.BASE_DIR)
    return [
        *DEFAULT_ROOT.rglob("*.md"),
        *DEFAULT_ROOT.rglob("*.yaml"),
        *(base / "templates").rglob("*.html"),
        *(base / "templates").rglob("*.txt"),
    ]


def test_no_learner_facing_text_names_a_source_file_or_says_seed(seed_names):
    stems = {name.removesuffix(".txt") for name in seed_names}
    found = []
    for path in _learner_facing_files():
        text = path.read_text(encoding="utf-8")
        found += [f"{path.name}: file name {m.group(0)}" for m in FILE_NAME.finditer(text)]
        found += [f"{path.name}: {stem}" for stem in stems if stem in text]
        found += [f"{path.name}: the word seed" for _ in re.finditer(r"\bseeds?\b", text, re.IGNORECASE)]
    assert not found, "\n".join(found[:20])


def test_question_banks_are_large_enough_and_cover_every_objective(curriculum):
    assert all(len(m.quiz) >= 12 for m in curriculum.modules)
    assert len(curriculum.final_items) >= 36
    for module in curriculum.modules:
        covered = Counter(item.objective for item in module.quiz)
        for objective in module.meta.objectives:
            assert covered[objective.id] >= 2, f"{objective.id} is tested by {covered[objective.id]} item(s)"
    final_covered = Counter(item.objective for item in curriculum.final_items)
    for objective in curriculum.course.objectives:
        assert final_covered[objective.id] >= 2, objective.id


def test_items_have_the_right_number_of_correct_options_and_an_explanation(curriculum):
    types = Counter()
    for item in (i for m in curriculum.modules for i in (*m.quiz, *m.final_items)):
        correct = sum(c.correct for c in item.choices)
        types[item.type] += 1
        expected = {"single": correct == 1, "true_false": correct == 1, "multiple": correct >= 2}
        assert expected[item.type], item.key
        assert len(item.explanation) >= 40, item.key
        assert not any("of the above" in c.text.lower() for c in item.choices), item.key
    assert min(types.values()) >= 12, types  # a real mix of the three types


def _words(text):
    return re.findall(r"[a-z0-9%]+", text.lower())


def test_no_sentence_of_a_seed_is_copied(seed_names, curriculum):
    """No run of eight consecutive words from any source article appears in the
    curriculum, the templates or the docs. The articles' own titles, quoted in
    citations, are not copied prose and are exempt."""
    shingles = set()
    for path in SEEDS.glob("*.txt"):
        words = _words(path.read_text(encoding="utf-8"))
        shingles.update(tuple(words[i : i + 8]) for i in range(len(words) - 7))
    for source in curriculum.sources.values():
        if source.kind == "web_article":
            words = _words(source.title)
            shingles -= {tuple(words[i : i + 8]) for i in range(len(words) - 7)}
    base = Path(settings.BASE_DIR)
    files = [
        *DEFAULT_ROOT.rglob("*.md"),
        *DEFAULT_ROOT.rglob("*.yaml"),
        *(base / "templates").rglob("*.html"),
        *(base / "docs").glob("*.md"),
        base / "README.md",
    ]
    copied = []
    for path in files:
        words = _words(path.read_text(encoding="utf-8"))
        copied += [
            f"{path.name}: {' '.join(words[i : i + 8])}"
            for i in range(len(words) - 7)
            if tuple(words[i : i + 8]) in shingles
        ]
    assert not copied, "\n".join(copied[:20])


# --- validation -----------------------------------------------------------------


def _broken_copy(tmp_path, relative, old, new):
    root = tmp_path / "curriculum"
    root.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(DEFAULT_ROOT, root)
    target = root / relative
    text = target.read_text(encoding="utf-8")
    assert old in text
    target.write_text(text.replace(old, new, 1), encoding="utf-8")
    return root


def test_validation_errors_name_the_file_and_the_field(tmp_path):
    module = sorted((DEFAULT_ROOT / "modules").iterdir())[2].name
    root = _broken_copy(tmp_path, f"modules/{module}/quiz.yaml", "correct: true", "correct: false")
    with pytest.raises(CurriculumError) as exc:
        read_curriculum(root)
    assert any(
        p.startswith(f"modules/{module}/quiz.yaml: questions[") and "exactly one correct" in p
        for p in exc.value.problems
    ), exc.value.problems


def test_a_keyfact_without_a_source_is_refused(tmp_path):
    module = sorted((DEFAULT_ROOT / "modules").iterdir())[0]
    lesson = sorted((module / "lessons").glob("*.md"))[0]
    root = _broken_copy(
        tmp_path, f"modules/{module.name}/lessons/{lesson.name}", "::: keyfact source=", "::: keyfact from="
    )
    with pytest.raises(CurriculumError, match=r"lessons/.*\.md: body: line \d+: a keyfact needs source=<key>"):
        read_curriculum(root)


def _first_lesson():
    module = sorted((DEFAULT_ROOT / "modules").iterdir())[0]
    return module, sorted((module / "lessons").glob("*.md"))[0]


def test_an_unknown_key_in_a_keyfact_is_refused_naming_file_and_field(tmp_path):
    module, lesson = _first_lesson()
    root = _broken_copy(
        tmp_path, f"modules/{module.name}/lessons/{lesson.name}", "::: keyfact source=", "::: keyfact source=nobody2099"
    )
    with pytest.raises(CurriculumError) as exc:
        read_curriculum(root)
    assert any(
        p.startswith(f"modules/{module.name}/lessons/{lesson.name}: body: line ")
        and "keyfact source: unknown source key" in p
        for p in exc.value.problems
    ), exc.value.problems


def test_an_unknown_key_in_a_citation_or_reference_list_is_refused(tmp_path):
    module, lesson = _first_lesson()
    where = f"modules/{module.name}/lessons/{lesson.name}"
    root = _broken_copy(tmp_path, where, "references:\n  - ", "references:\n  - nobody2099\n  - ")
    with pytest.raises(CurriculumError) as exc:
        read_curriculum(root)
    assert f"{where}: references[0]: unknown source key 'nobody2099'" in exc.value.problems

    root2 = _broken_copy(tmp_path / "b", where, "[@", "[@nobody2099; @")
    with pytest.raises(CurriculumError, match=r"body: line \d+: citation: unknown source key 'nobody2099'"):
        read_curriculum(root2)


def test_an_unknown_key_on_a_quiz_item_is_refused_naming_file_and_field(tmp_path):
    module = sorted((DEFAULT_ROOT / "modules").iterdir())[1].name
    text = (DEFAULT_ROOT / "modules" / module / "quiz.yaml").read_text(encoding="utf-8")
    first = re.search(r"(?m)^(\s*)source: \S+$", text)
    root = _broken_copy(tmp_path, f"modules/{module}/quiz.yaml", first.group(0), f"{first.group(1)}source: nobody2099")
    with pytest.raises(CurriculumError) as exc:
        read_curriculum(root)
    assert f"modules/{module}/quiz.yaml: questions[0].source: unknown source key 'nobody2099'" in exc.value.problems


def test_a_question_may_cite_several_keys_and_each_is_checked(tmp_path):
    module = sorted((DEFAULT_ROOT / "modules").iterdir())[1].name
    text = (DEFAULT_ROOT / "modules" / module / "quiz.yaml").read_text(encoding="utf-8")
    first = re.search(r"(?m)^(\s*)source: (\S+)$", text)
    listed = f"{first.group(1)}source: [{first.group(2)}, nobody2099]"
    root = _broken_copy(tmp_path, f"modules/{module}/quiz.yaml", first.group(0), listed)
    with pytest.raises(CurriculumError) as exc:
        read_curriculum(root)
    assert f"modules/{module}/quiz.yaml: questions[0].source: unknown source key 'nobody2099'" in exc.value.problems


def test_an_item_needs_a_claim_kind(tmp_path):
    module = sorted((DEFAULT_ROOT / "modules").iterdir())[0].name
    root = _broken_copy(tmp_path, f"modules/{module}/quiz.yaml", "  claim: definition\n", "")
    with pytest.raises(CurriculumError) as exc:
        read_curriculum(root)
    assert f"modules/{module}/quiz.yaml: questions[0].claim: Field required" in exc.value.problems


def test_an_efficacy_item_resting_only_on_a_web_article_is_refused(tmp_path):
    module = sorted((DEFAULT_ROOT / "modules").iterdir())[1].name
    text = (DEFAULT_ROOT / "modules" / module / "quiz.yaml").read_text(encoding="utf-8")
    item = re.search(r"(?m)^  claim: efficacy\n  source: .*$", text)
    index = text[: item.start()].count("\n- key: ") - 1
    root = _broken_copy(
        tmp_path, f"modules/{module}/quiz.yaml", item.group(0), "  claim: efficacy\n  source: web-combined-care"
    )
    with pytest.raises(CurriculumError) as exc:
        read_curriculum(root)
    assert (
        f"modules/{module}/quiz.yaml: questions[{index}].source: an item with claim 'efficacy' must cite at least one "
        "peer-reviewed or regulatory source"
    ) in exc.value.problems


def test_a_peer_reviewed_source_without_a_doi_is_refused(tmp_path):
    root = _broken_copy(tmp_path, "sources.yaml", "    doi: 10.1176/ajp.2006.163.11.1905\n", "")
    with pytest.raises(CurriculumError) as exc:
        read_curriculum(root)
    assert any(p.startswith("sources.yaml: sources[") and "needs doi" in p for p in exc.value.problems), (
        exc.value.problems
    )


# --- loading ----------------------------------------------------------------------


def _state():
    return {
        "pages": sorted(LessonPage.objects.values_list("id", "latest_revision_id")),
        "modules": sorted(ModulePage.objects.values_list("id", "latest_revision_id")),
        "questions": sorted(Question.objects.values_list("id", "stem")),
        "quizzes": Quiz.objects.count(),
    }


@pytest.mark.django_db
def test_load_curriculum_builds_the_course_and_a_second_run_changes_nothing(capsys):
    call_command("load_curriculum")
    assert CoursePage.objects.count() == 1
    course = CoursePage.objects.get()
    assert course.title == "Treatment-Resistant Depression: TMS, Ketamine and Combined Care"
    assert ModulePage.objects.child_of(course).count() == 6
    assert LessonPage.objects.descendant_of(course).count() >= 18
    assert Question.objects.filter(quiz__module__isnull=False).count() >= 72
    final = Quiz.objects.get(course=course)
    assert final.questions.count() >= 36 and final.questions_per_attempt <= final.questions.count()
    assert EvaluationQuestion.objects.filter(course=course).count() >= 10
    assert all(q.objective_id for q in Question.objects.all())
    before = _state()

    call_command("load_curriculum")
    out = capsys.readouterr().out
    assert "created" not in out.split("Curriculum loaded:")[-1] and "updated" not in out.split("Curriculum loaded:")[-1]
    assert _state() == before


@pytest.mark.django_db
def test_a_changed_file_updates_only_that_item_and_keeps_ids(tmp_path):
    load_curriculum()
    module = sorted((DEFAULT_ROOT / "modules").iterdir())[0].name
    root = tmp_path / "curriculum"
    shutil.copytree(DEFAULT_ROOT, root)
    quiz_file = root / "modules" / module / "quiz.yaml"
    data = yaml.safe_load(quiz_file.read_text(encoding="utf-8"))
    assert data["questions"][0]["key"] == "m1-q01"
    data["questions"][0]["stem"] = "Which statement best describes the edited item?"
    quiz_file.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    question = Question.objects.get(key="m1-q01")
    report = load_curriculum(root=root)
    assert report.counts["question updated"] == 1 and report.counts["lesson updated"] == 0
    question.refresh_from_db()
    assert question.stem == "Which statement best describes the edited item?"
    assert Question.objects.get(key="m1-q01").pk == question.pk


@pytest.mark.django_db
def test_a_failed_load_leaves_the_database_unchanged(tmp_path, monkeypatch):
    from courses import curriculum_loader

    def explode(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(curriculum_loader._Loader, "reorder", staticmethod(explode))
    with pytest.raises(RuntimeError):
        load_curriculum()
    assert not CoursePage.objects.exists() and not Question.objects.exists()


@pytest.mark.django_db
def test_lessons_link_their_citations_to_the_bibliography_which_lists_the_registry(client, curriculum):
    from courses.models import Source

    load_curriculum()
    assert set(Source.objects.values_list("key", flat=True)) == set(curriculum.sources)
    response = client.get("/learning/sources/")
    assert response.status_code == 200
    html = response.content.decode()
    for key, source in curriculum.sources.items():
        assert f'id="src-{key}"' in html, key
        if source.doi:
            assert f"https://doi.org/{source.doi}" in html
    assert html.count('class="badge badge-warn"') == 2

    preview = LessonPage.objects.get(free_preview=True, slug="defining-treatment-resistant-depression")
    page = client.get(preview.url)
    assert page.status_code == 200
    body = page.content.decode()
    assert 'href="/learning/sources/#src-' in body
    assert not FILE_NAME.search(body) and not re.search(r"\bseeds?\b", body, re.IGNORECASE)


# --- clinical corrections that a later edit must not undo -----------------------

SAFETY_TABLE = "ketamine-side-effects-and-supervision/#esketamine-safety-at-a-glance"
DOSING_DAYS = re.compile(r"dosing days?|after each dose|post-dose|observation period", re.IGNORECASE)
MARKETING = re.compile(
    r"30\s*(%|percent)?\s*(to|-|–)\s*90\s*%|up to 90\s*%|60\s*(%|percent)?\s*(to|-|–)\s*70|\b44\s*(%|percent)"
)


def _lesson_text(lesson):
    return lesson.path.read_text(encoding="utf-8").split("\n---\n", 1)[1]


def test_every_lesson_that_mentions_dosing_days_links_the_one_safety_table(curriculum):
    safety = [lesson for m in curriculum.modules for lesson in m.lessons if lesson.front.slug in SAFETY_TABLE]
    assert len(safety) == 1
    table_heading = [v for k, v in safety[0].blocks if k == "heading"]
    assert "Esketamine safety at a glance" in table_heading
    for module in curriculum.modules:
        for lesson in module.lessons:
            text = _lesson_text(lesson)
            if DOSING_DAYS.search(text) and lesson is not safety[0]:
                assert SAFETY_TABLE in text, lesson.path.name
    link_prefix = f"/courses/{curriculum.course.slug}/ketamine-pharmacology/"
    all_text = "".join(_lesson_text(lesson) for m in curriculum.modules for lesson in m.lessons)
    assert all_text.count(SAFETY_TABLE) == all_text.count(link_prefix + SAFETY_TABLE)


def test_driving_advice_is_the_same_everywhere(curriculum):
    texts = [_lesson_text(lesson) for m in curriculum.modules for lesson in m.lessons]
    texts += [
        i.stem + i.explanation + " ".join(c.text for c in i.choices)
        for m in curriculum.modules
        for i in (*m.quiz, *m.final_items)
    ]
    for text in texts:
        assert not re.search(r"no driving (that|the same) day|not drive (that|the same) day", text, re.IGNORECASE), (
            text[:80]
        )


def test_marketing_figures_appear_only_as_labelled_claims_and_are_never_keyed(curriculum):
    for module in curriculum.modules:
        for lesson in module.lessons:
            for sentence in re.split(r"(?<=[.!?])\s+|\n", _lesson_text(lesson)):
                if MARKETING.search(sentence):
                    assert re.search(r"claim|unverified|promotional|advertis", sentence, re.IGNORECASE), (
                        f"{lesson.path.name}: {sentence}"
                    )
        for item in (*module.quiz, *module.final_items):
            for choice in item.choices:
                if choice.correct:
                    assert not MARKETING.search(choice.text), f"{item.key}: {choice.text}"


def test_ketamine_history_is_dated_to_the_early_1960s_and_is_not_examined(curriculum):
    texts = "".join(_lesson_text(lesson) for m in curriculum.modules for lesson in m.lessons)
    assert "early 1960s" in texts and "1963" not in texts
    for item in (i for m in curriculum.modules for i in (*m.quiz, *m.final_items)):
        assert not re.search(r"\b(19[5-9]\d|1963)\b", item.stem + " ".join(c.text for c in item.choices)), item.key


def test_practice_content_vignettes_measurement_and_coordination_kit(curriculum):
    lessons = {lesson.front.slug: lesson for m in curriculum.modules for lesson in m.lessons}
    decision_modules = Counter()
    for module in curriculum.modules:
        for lesson in module.lessons:
            for kind, value in lesson.blocks:
                if kind == "caution" and value["title"].startswith("Decision point"):
                    decision_modules[module.meta.order] += 1
    assert sum(decision_modules.values()) >= 6 and len(decision_modules) >= 3, decision_modules
    for name in ("Maria", "Daniel", "Aisha"):
        modules = {m.meta.order for m in curriculum.modules for lesson in m.lessons if name in _lesson_text(lesson)}
        assert len(modules) >= 2, name

    mbc = _lesson_text(lessons["measurement-based-care-and-suicide-risk"])
    for needle in (
        "PHQ-9",
        "item 9",
        "Columbia-Suicide Severity Rating Scale",
        "safety plan",
        "Example escalation thresholds",
    ):
        assert needle in mbc, needle
    kit = _lesson_text(lessons["coordination-kit"])
    for needle in ("HIPAA", "42 CFR Part 2", "SBAR", "shared care plan", "talking points"):
        assert needle.lower() in kit.lower(), needle
    handouts = [
        v["slug"] for m in curriculum.modules for lesson in m.lessons for k, v in lesson.blocks if k == "handout"
    ]
    assert {"sbar-call-script", "shared-care-plan", "client-check-ins-and-safety"} <= set(handouts)


# --- item bank, second edition: mechanical rules ----------------------------------

ABSOLUTE = re.compile(r"\b(always|never|all|every|none|only|must|guarantees?d?|completely|entirely)\b", re.IGNORECASE)
APPLIED = re.compile(
    r"\b(client|colleague|patient|supervisee|Maria|Daniel|Aisha|Sam|Dana|Luis|daughter|son|partner)\b", re.IGNORECASE
)
RECALL = re.compile(
    r"according to|in the (web )?articles?|the (web )?articles? (describe|say|report|use|argue)|described in the"
    r"|consistent with the|\bthe sources?\b|source material|the clinic article|combined-treatment article|credits",
    re.IGNORECASE,
)


def _items(curriculum):
    return [i for m in curriculum.modules for i in (*m.quiz, *m.final_items)]


def test_select_all_items_vary_in_how_many_options_are_correct(curriculum):
    multiple = [i for i in _items(curriculum) if i.type == "multiple"]
    counts = Counter(sum(c.correct for c in i.choices) for i in multiple)
    assert all(len(i.choices) == 5 for i in multiple)
    assert set(counts) <= {2, 3, 4}, counts
    for n in (2, 3, 4):
        assert counts[n] >= len(multiple) * 0.25, counts


def test_absolute_words_are_as_common_in_keyed_as_in_unkeyed_options(curriculum):
    options = [c for i in _items(curriculum) if i.type != "true_false" for c in i.choices]
    keyed = [c for c in options if c.correct]
    unkeyed = [c for c in options if not c.correct]

    def rate(choices):
        return sum(bool(ABSOLUTE.search(c.text)) for c in choices) / len(choices)

    assert abs(rate(keyed) - rate(unkeyed)) <= 0.05, (rate(keyed), rate(unkeyed))


def test_the_keyed_option_is_the_longest_no_more_often_than_chance(curriculum):
    single = [i for i in _items(curriculum) if i.type == "single"]
    longest = sum(max(i.choices, key=lambda c: len(c.text)).correct for i in single)
    chance = sum(1 / len(i.choices) for i in single)
    assert longest <= chance * 1.15, (longest, chance)


def test_true_false_keys_are_balanced(curriculum):
    keys = Counter(next(c.text for c in i.choices if c.correct) for i in _items(curriculum) if i.type == "true_false")
    assert 0.4 <= keys["True"] / sum(keys.values()) <= 0.6, keys


def test_at_least_40_percent_of_items_are_applied_and_none_test_recall_of_sources(curriculum):
    items = _items(curriculum)
    applied = [i for i in items if APPLIED.search(i.stem)]
    assert len(applied) >= 0.4 * len(items), (len(applied), len(items))
    assert not [i.key for i in items if RECALL.search(i.stem)]


def test_every_objective_has_three_items_and_the_final_draw_reaches_every_course_objective(curriculum):
    for module in curriculum.modules:
        covered = Counter(item.objective for item in module.quiz)
        for objective in module.meta.objectives:
            assert covered[objective.id] >= 3, f"{objective.id}: {covered[objective.id]}"
    final = Counter(item.objective for item in curriculum.final_items)
    per_attempt = curriculum.course.final_exam.questions_per_attempt
    pool = len(curriculum.final_items)
    for objective in curriculum.course.objectives:
        k = final[objective.id]
        # chance that a uniform draw of per_attempt items from the pool misses all k items
        miss = math.comb(pool - k, per_attempt) / math.comb(pool, per_attempt)
        assert k >= 3 and miss < 1e-4, (objective.id, k, miss)


@pytest.mark.django_db
def test_the_course_page_shows_the_ce_disclosures(client, curriculum):
    load_curriculum()
    course = CoursePage.objects.get()
    html = client.get(course.url).content.decode()
    d = curriculum.course.disclosures
    for text in (
        "Instructional level",
        d.instructional_level,
        "30 November 2026",
        "30 November 2027",
        "Commercial support",
        "Limits of the evidence",
        "Accommodations",
        "Complaints and grievances",
        "to be filled in by the provider",
        "Course planner and chair",
        f"{curriculum.course.ce_hours}",
    ):
        assert text in html, text


def test_callouts_and_tables_show_no_raw_markdown_links(curriculum):
    for module in curriculum.modules:
        for lesson in module.lessons:
            for kind, value in lesson.blocks:
                texts = []
                if kind in ("key_fact", "caution"):
                    texts = [value["text"]]
                elif kind == "table":
                    texts = [cell for row in value["data"] for cell in row]
                assert not any("](" in text or "[@" in text for text in texts), lesson.path.name


# --- item sources, duplicates, true/false wording, how sources are spoken of -------

EVIDENCE_KINDS = {"peer_reviewed", "regulatory"}
# Words that carry a regulatory, trial or risk-rate fact; an item that rests only
# on a web article is a practice item and must not key any of them.
EVIDENCE_WORDS = re.compile(
    r"\b(FDA|approv\w*|clear(ed|ance)|label|REMS|off-label|trial|randomi[sz]ed|sham|placebo|noninferior"
    r"|remission rate|response rate|seizure rate|per \d[\d,]* (sessions|patients)|contraindicat\w*)\b|\d+(\.\d+)?\s*%",
    re.IGNORECASE,
)


def _kinds(curriculum, item):
    return {curriculum.sources[key].kind for key in item.source}


def test_every_efficacy_safety_or_regulatory_item_cites_peer_reviewed_work_or_a_label(curriculum):
    from courses.curriculum_schema import EVIDENCE_CLAIMS

    items = _items(curriculum)
    unsupported = [i.key for i in items if i.claim in EVIDENCE_CLAIMS and not _kinds(curriculum, i) & EVIDENCE_KINDS]
    assert not unsupported, unsupported
    # Practice items are the only ones a web article may carry alone, and they
    # must not key a regulatory, trial or risk-rate fact.
    for item in items:
        if _kinds(curriculum, item) & EVIDENCE_KINDS:
            continue
        assert item.claim == "practice", item.key
        keyed = " ".join(c.text for c in item.choices if c.correct)
        found = EVIDENCE_WORDS.search(f"{item.stem} {keyed} {item.explanation}")
        assert not found, f"{item.key}: {found.group(0)!r}"
    # and most of the bank rests on the literature or a label
    evidence = sum(bool(_kinds(curriculum, i) & EVIDENCE_KINDS) for i in items)
    assert evidence >= 0.75 * len(items), (evidence, len(items))


def test_key_facts_on_a_web_article_carry_no_regulatory_or_trial_fact(curriculum):
    """A key fact resting on a web article is history, access or a stated
    position; approvals, clearances, trial results and rates cite their source."""
    found = []
    for module in curriculum.modules:
        for lesson in module.lessons:
            for kind, value in lesson.blocks:
                if kind != "key_fact" or curriculum.sources[value["source_key"]].kind != "web_article":
                    continue
                if match := EVIDENCE_WORDS.search(value["text"]):
                    found.append(f"{lesson.path.name}: {match.group(0)!r}")
    assert not found, found


_STOPWORDS_TEXT = (
    "a an the of to and or in on for with is are be as by that this which what who whom how why at from it its"
    " their they them his her he she you your can may most best more than not no does do has have after before"
    " about into between within should would will been being one two"
)
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())


def _fact_tokens(item):
    """Normalised content words of the stem and the keyed options: what the item asks and what it keys."""
    text = item.stem + " " + " ".join(c.text for c in item.choices if c.correct)
    words = re.findall(r"[a-z0-9]+", text.lower())
    return {w.rstrip("s") if len(w) > 4 else w for w in words if w not in STOPWORDS}


# Token-set Jaccard of stem plus keyed options. Measured on the first edition of
# the bank, every pair at 0.30 or above tested the same fact in other words (the
# esketamine-approved-IV-off-label item appeared seven times at 0.30 to 0.54);
# items that merely share a topic scored below 0.30.
NEAR_DUPLICATE = 0.30


def test_no_two_items_test_the_same_fact(curriculum):
    items = _items(curriculum)
    tokens = {i.key: _fact_tokens(i) for i in items}
    pairs = []
    for n, a in enumerate(items):
        for b in items[n + 1 :]:
            ta, tb = tokens[a.key], tokens[b.key]
            score = len(ta & tb) / len(ta | tb)
            if score >= NEAR_DUPLICATE:
                pairs.append(f"{a.key} ~ {b.key}: {score:.2f}")
    assert not pairs, pairs


def test_the_near_duplicate_check_catches_a_restated_item(curriculum):
    import copy

    item = next(i for i in _items(curriculum) if i.key == "m3-q08")
    twin = copy.deepcopy(item)
    twin.stem = "In a consent discussion, which statement about the status of ketamine treatments is accurate?"
    ta, tb = _fact_tokens(item), _fact_tokens(twin)
    assert len(ta & tb) / len(ta | tb) >= NEAR_DUPLICATE


TF_ABSOLUTE = re.compile(
    r"\b(always|never|all|every|only|none|no one|nothing|no(?= (\w+ ){1,2}(is|are|has|can)\b)|must"
    r"|guarantees?d?|cures?d?|completely|entirely|fully|permanent(ly)?|proven|established)\b",
    re.IGNORECASE,
)


def test_true_false_items_are_not_simply_reject_the_overclaim(curriculum):
    tf = [i for i in _items(curriculum) if i.type == "true_false"]
    keyed_true = {i.key: next(c.text for c in i.choices if c.correct) == "True" for i in tf}
    absolute = [i for i in tf if TF_ABSOLUTE.search(i.stem)]
    # absolute statements occur on both sides, and neither key dominates them
    assert len(absolute) >= 4, [i.key for i in absolute]
    true_share = sum(keyed_true[i.key] for i in absolute) / len(absolute)
    assert 0.35 <= true_share <= 0.65, {i.key: keyed_true[i.key] for i in absolute}
    # most false statements are wrong for a reason other than an absolute word
    false_items = [i for i in tf if not keyed_true[i.key]]
    false_absolute = sum(bool(TF_ABSOLUTE.search(i.stem)) for i in false_items)
    assert false_absolute <= 0.5 * len(false_items), (false_absolute, len(false_items))


SOURCE_TALK = re.compile(
    r"\b(the|one|another|a|an|two|three|both|these|those|some|several|each|other|that|this|all)\s+(of\s+the\s+)?"
    r"([\w'-]+\s+){0,2}"
    r"(sources?|articles?|seeds?)\b|\bsource material\b|\bweb articles?\b|\bsources? (says?|states?|reports?|notes?)\b",
    re.IGNORECASE,
)


def test_learner_text_states_facts_instead_of_reporting_what_a_source_says(curriculum):
    found = []
    for module in curriculum.modules:
        for lesson in module.lessons:
            for n, line in enumerate(_lesson_text(lesson).splitlines(), 1):
                found += [f"{lesson.path.name}:{n}: {m.group(0)}" for m in SOURCE_TALK.finditer(line)]
            for kind, value in lesson.blocks:
                if kind in ("key_fact", "caution"):
                    # a citation in a callout is rendered as the registry's short label, which may say
                    # "web article"; that label is the citation, not prose about a source
                    text = value["text"]
                    for source in curriculum.sources.values():
                        text = text.replace(source.short, "")
                    found += [f"{lesson.path.name} {kind}: {m.group(0)}" for m in SOURCE_TALK.finditer(text)]
        for item in (*module.quiz, *module.final_items):
            texts = [item.stem, item.explanation, *(c.text for c in item.choices)]
            found += [f"{item.key}: {m.group(0)}" for text in texts for m in SOURCE_TALK.finditer(text)]
    assert not found, "\n".join(found[:40])


def test_source_talk_check_flags_the_old_phrasings():
    for text in ("One source reports that", "the web articles agree", "According to the article,", "the seed says"):
        assert SOURCE_TALK.search(text), text
    assert not SOURCE_TALK.search("In TRANSFORM-2, esketamine plus an antidepressant improved MADRS scores.")


# --- clinical statements in lesson prose carry their evidence ---------------------

# A sentence stating a rate, an approval or clearance, a controlled-trial result or a
# risk marker is a clinical claim: its paragraph (or caution) must cite a paper or a
# label, or the sentence must say it is an unverified or promotional claim.
CLINICAL_CLAIM = re.compile(
    r"\d+(\.\d+)?\s*%|\b(FDA|approv(ed|al)|cleared|clearances?|REMS|boxed warning|off-label|randomi[sz]ed|sham"
    r"|placebo|noninferior|remission|response rate|seizure rate|per \d[\d,]* (sessions|patients)"
    r"|risk (factor|marker)s?|marker of|associated with|linked (to|with)|higher[- ]risk|raised risk)\b",
    re.IGNORECASE,
)
LABELLED_CLAIM = re.compile(r"claim|unverified|promotional|advertis", re.IGNORECASE)


def _prose_and_cautions(body):
    """Paragraphs, lists and cautions of a lesson body, as raw Markdown with its [@key] citations."""
    blocks, buf, fence = [], [], None
    for line in body.split("\n"):
        if fence is not None:
            if line.strip() == ":::":
                if fence == "caution":
                    blocks.append("\n".join(buf))
                fence, buf = None, []
            else:
                buf.append(line)
        elif line.startswith(":::"):
            if buf:
                blocks.append("\n".join(buf))
            fence, buf = line[3:].split()[0], []
        elif not line.strip():
            if buf:
                blocks.append("\n".join(buf))
            buf = []
        else:
            buf.append(line)
    if buf:
        blocks.append("\n".join(buf))
    return [b for b in blocks if not b.startswith(("#", "|", "Table:"))]


def _uncited_clinical_claims(curriculum, body):
    found = []
    for block in _prose_and_cautions(body):
        keys = {k.strip().lstrip("@") for group in re.findall(r"\[@([^\]]+)\]", block) for k in group.split(";")}
        if any(curriculum.sources[k].kind in EVIDENCE_KINDS for k in keys if k in curriculum.sources):
            continue
        for sentence in re.split(r"(?<=[.!?])\s+|\n", block):
            if (match := CLINICAL_CLAIM.search(sentence)) and not LABELLED_CLAIM.search(sentence):
                found.append(f"{match.group(0)!r} in: {sentence[:120]}")
    return found


def test_clinical_statements_in_lessons_cite_a_paper_or_a_label(curriculum):
    found = []
    for module in curriculum.modules:
        for lesson in module.lessons:
            found += [f"{lesson.path.name}: {f}" for f in _uncited_clinical_claims(curriculum, _lesson_text(lesson))]
    assert not found, found


def test_the_clinical_claim_check_catches_an_uncited_or_web_only_claim(curriculum):
    uncited = "Hopelessness is a well-recognised risk marker for suicide.\n\nA second paragraph."
    web_only = "Ketamine helps 70% of people [@web-overview]."
    labelled = "A clinic's page claims ketamine helps 70% of people [@web-overview]."
    cited = "Hopelessness predicted eventual suicide, a risk marker [@beck1985]."
    assert _uncited_clinical_claims(curriculum, uncited)
    assert _uncited_clinical_claims(curriculum, web_only)
    assert not _uncited_clinical_claims(curriculum, labelled)
    assert not _uncited_clinical_claims(curriculum, cited)
    caution = "::: caution\nTransitions are higher-risk periods.\n:::\n"
    assert _uncited_clinical_claims(curriculum, caution)
