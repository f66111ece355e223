"""Reading and validating the curriculum files in ``courses/curriculum/``.

Every problem is reported with the file and the field, e.g.
``modules/03-ketamine/quiz.yaml: questions[4].choices: a single-answer
question needs exactly one correct choice``. The format is documented in
docs/CURRICULUM_FORMAT.md.
"""

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from quizzes.item_rules import item_problems

from .curriculum_markdown import MarkdownError, body_to_blocks

DEFAULT_ROOT = Path(__file__).resolve().parent / "curriculum"
SLUG = r"^[a-z0-9]+(-[a-z0-9]+)*$"


class CurriculumError(Exception):
    def __init__(self, problems):
        self.problems = problems
        super().__init__("\n".join(problems))


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Objective(Strict):
    id: str = Field(pattern=r"^(co\d+|m\d+-o\d+)$")
    text: str = Field(min_length=10, max_length=400)


class QuizSettings(Strict):
    title: str = Field(min_length=3, max_length=200)
    questions_per_attempt: int = Field(default=0, ge=0)
    pass_mark: int = Field(default=75, ge=1, le=100)
    max_attempts: int = Field(default=0, ge=0)
    wait_minutes: int = Field(default=0, ge=0)
    time_limit_minutes: int = Field(default=0, ge=0)
    review_policy: Literal["always", "wrong_items", "after_pass", "never"] = "always"


class Planner(Strict):
    name: str = Field(min_length=2, max_length=120)
    role: str = Field(min_length=3, max_length=80)
    credentials: str = Field(min_length=2, max_length=160)
    conflicts: str = Field(min_length=4)


class Disclosures(Strict):
    """What a CE accreditor expects on the course page; every field required."""

    instructional_level: Literal["Introductory", "Intermediate", "Advanced"]
    release_date: date
    next_review_date: date
    hours_method: str = Field(min_length=40)
    planners: list[Planner] = Field(min_length=1)
    commercial_support: str = Field(min_length=10)
    accommodations: str = Field(min_length=20)
    grievance: str = Field(min_length=20)
    evidence_limits: str = Field(min_length=40)

    @model_validator(mode="after")
    def check_dates(self):
        if self.next_review_date <= self.release_date:
            raise ValueError("next_review_date must be after release_date")
        if (self.next_review_date - self.release_date).days > 3 * 366:
            raise ValueError("next_review_date must be within three years of release_date")
        return self


class CourseFile(Strict):
    slug: str = Field(pattern=SLUG)
    title: str
    ce_hours: Decimal = Field(gt=0, max_digits=4, decimal_places=1)
    format: str
    summary: str
    target_audience: str
    accreditation_statement: str
    disclosure: str
    participation_percent: int = Field(default=50, ge=0, le=100)
    disclosures: Disclosures
    objectives: list[Objective] = Field(min_length=1)
    final_exam: QuizSettings


class ModuleFile(Strict):
    slug: str = Field(pattern=SLUG)
    title: str
    order: int = Field(ge=1)
    summary: str
    objectives: list[Objective] = Field(min_length=3, max_length=5)
    quiz: QuizSettings


SOURCE_KEY = r"^[a-z0-9]+(-[a-z0-9]+)*$"


class SourceEntry(Strict):
    """One entry of the source registry (``sources.yaml``)."""

    key: str = Field(pattern=SOURCE_KEY, max_length=60)
    kind: Literal["web_article", "peer_reviewed", "regulatory"]
    short: str = Field(min_length=3, max_length=160)
    title: str = Field(min_length=3)
    promotional: bool = False
    publisher: str = ""
    date: str = Field(default="", pattern=r"^(\d{4}-\d{2}-\d{2})?$")
    note: str = ""
    authors: str = ""
    year: int | None = Field(default=None, ge=1900, le=2100)
    journal: str = ""
    volume: str = ""
    issue: str = ""
    pages: str = ""
    doi: str = Field(default="", pattern=r"^(10\.\d{4,9}/\S+)?$")
    url: str = Field(default="", pattern=r"^(https://\S+)?$")

    @model_validator(mode="after")
    def check_kind(self):
        if self.kind == "peer_reviewed":
            missing = [f for f in ("authors", "year", "journal", "volume", "pages", "doi") if not getattr(self, f)]
            if missing:
                raise ValueError(f"a peer-reviewed source needs {', '.join(missing)}")
        elif self.kind == "regulatory" and not (self.publisher and self.date):
            raise ValueError("a regulatory source needs a publisher and a date")
        elif self.kind == "web_article" and not self.publisher:
            raise ValueError('a web article needs a publisher (write "Not stated" if the article gives none)')
        return self

    @property
    def kind_label(self):
        if self.kind == "web_article":
            return "Promotional web article" if self.promotional else "Web article"
        return {"peer_reviewed": "Peer-reviewed", "regulatory": "Regulatory"}[self.kind]

    def citation(self):
        """The full citation shown in reference lists and the bibliography."""
        if self.kind == "peer_reviewed":
            issue = f"({self.issue})" if self.issue else ""
            return (
                f"{self.authors.rstrip('.')}. {self.title}. {self.journal}. "
                f"{self.year};{self.volume}{issue}:{self.pages}. doi:{self.doi}"
            )
        dated = f", {self.date}" if self.date else ""
        if self.kind == "regulatory":
            return f"{self.publisher}. {self.title}{dated}."
        return f"\u201c{self.title}.\u201d {self.publisher}{dated}. {self.kind_label}."


class SourcesFile(Strict):
    sources: list[SourceEntry] = Field(min_length=1)


class LessonFront(Strict):
    title: str = Field(min_length=3, max_length=255)
    slug: str = Field(pattern=SLUG)
    order: int = Field(ge=1)
    free_preview: bool = False
    estimated_minutes: int = Field(default=10, ge=1, le=240)
    summary: str = Field(default="", max_length=300)
    references: list[str] = Field(default_factory=list)


class ChoiceItem(Strict):
    text: str = Field(min_length=1, max_length=500)
    correct: bool = False


BANNED_CHOICES = ("all of the above", "none of the above")

# What kind of fact an item's key rests on. Every kind but "practice" is a
# statement about the world (a trial result, a risk, a label, a mechanism, a
# rate, a definition) and must cite peer-reviewed work or a regulatory text;
# "practice" items test what a therapist does and may rest on a web article.
CLAIMS = ("efficacy", "safety", "regulatory", "mechanism", "epidemiology", "definition", "practice")
EVIDENCE_CLAIMS = frozenset(CLAIMS) - {"practice"}
EVIDENCE_KINDS = frozenset({"peer_reviewed", "regulatory"})
MAX_CHOICES = 6


class QuestionItem(Strict):
    key: str = Field(pattern=r"^m\d+-[qf]\d+$")
    type: Literal["single", "true_false", "multiple"]
    objective: str
    claim: Literal[CLAIMS]
    source: list[str] = Field(min_length=1)
    stem: str = Field(min_length=10)
    explanation: str = Field(min_length=20)
    choices: list[ChoiceItem]

    @field_validator("source", mode="before")
    @classmethod
    def one_or_more_keys(cls, value):
        # ``source: key`` and ``source: [key, key]`` are both accepted.
        return [value] if isinstance(value, str) else value

    @field_validator("source")
    @classmethod
    def keys_look_like_keys(cls, value):
        bad = [k for k in value if not re.fullmatch(SOURCE_KEY, k)]
        if bad:
            raise ValueError(f"not a source key: {', '.join(map(repr, bad))}")
        if len(set(value)) != len(value):
            raise ValueError("a source key is listed twice")
        return value

    @model_validator(mode="after")
    def check_choices(self):
        # The type rules are the platform's one rule set (quizzes.item_rules);
        # the two checks after it are the curriculum's house style.
        problems = item_problems(type=self.type, choices=[{"text": c.text, "correct": c.correct} for c in self.choices])
        if problems:
            raise ValueError(f"item {self.key}: " + " ".join(problems["choices"]))
        texts = [c.text for c in self.choices]
        if any(t.lower().rstrip(".") in BANNED_CHOICES for t in texts):
            raise ValueError(f'item {self.key}: "all/none of the above" is not allowed as a choice')
        if len(texts) > MAX_CHOICES:
            raise ValueError(f"item {self.key}: at most {MAX_CHOICES} choices")
        return self


class QuestionFile(Strict):
    questions: list[QuestionItem] = Field(min_length=1)


class EvaluationQuestionItem(Strict):
    key: str = Field(pattern=SLUG)
    kind: Literal["likert", "text"]
    text: str
    required: bool = True


class EvaluationFile(Strict):
    objective_prompt: str
    questions: list[EvaluationQuestionItem]


@dataclass
class Lesson:
    path: Path
    front: LessonFront
    blocks: list
    word_count: int


@dataclass
class Module:
    path: Path
    meta: ModuleFile
    lessons: list
    quiz: list
    final_items: list


@dataclass
class Curriculum:
    root: Path
    course: CourseFile
    evaluation: EvaluationFile
    modules: list = field(default_factory=list)
    sources: dict = field(default_factory=dict)

    @property
    def final_items(self):
        return [item for m in self.modules for item in m.final_items]


def _rel(root, path):
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def _format_error(where, exc):
    problems = []
    for err in exc.errors():
        loc = ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in err["loc"]).replace(".[", "[")
        msg = err["msg"].removeprefix("Value error, ")
        problems.append(f"{where}: {loc or '(file)'}: {msg}")
    return problems


def _load_yaml(root, path, model, problems):
    where = _rel(root, path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        problems.append(f"{where}: file is missing")
        return None
    except yaml.YAMLError as exc:
        problems.append(f"{where}: not valid YAML ({exc})")
        return None
    try:
        return model.model_validate(data if data is not None else {})
    except ValidationError as exc:
        problems.extend(_format_error(where, exc))
        return None


def _split_front_matter(text):
    if not text.startswith("---\n"):
        raise ValueError("must start with a '---' front-matter block")
    end = text.find("\n---\n", 4)
    if end == -1:
        raise ValueError("front matter is not closed with '---'")
    return text[4:end], text[end + 5 :]


def _load_lesson(root, path, problems, cite):
    where = _rel(root, path)
    try:
        front_text, body = _split_front_matter(path.read_text(encoding="utf-8"))
        front = LessonFront.model_validate(yaml.safe_load(front_text) or {})
    except ValidationError as exc:
        problems.extend(_format_error(where, exc))
        return None
    except (ValueError, yaml.YAMLError) as exc:
        problems.append(f"{where}: {exc}")
        return None
    unknown = [(i, key) for i, key in enumerate(front.references) if key not in cite.sources]
    for i, key in unknown:
        problems.append(f"{where}: references[{i}]: unknown source key {key!r}")
    if unknown:
        return None
    try:
        blocks = body_to_blocks(body, front.references, cite=cite)
    except MarkdownError as exc:
        problems.append(f"{where}: body: {exc}")
        return None
    return Lesson(path=path, front=front, blocks=blocks, word_count=len(body.split()))


class Citer:
    """Resolves source keys for the Markdown converter: the short citation a
    learner sees and the bibliography anchor it links to."""

    def __init__(self, sources, bibliography_url):
        self.sources = sources
        self.bibliography_url = bibliography_url

    def href(self, key):
        return f"{self.bibliography_url}#src-{key}"

    def short(self, key):
        return self.sources[key].short

    def entry(self, key):
        return self.sources[key]


def _load_sources(root, problems):
    registry = _load_yaml(root, root / "sources.yaml", SourcesFile, problems)
    if registry is None:
        return {}
    for dupe in _duplicates(s.key for s in registry.sources):
        problems.append(f"sources.yaml: sources: key {dupe!r} is used twice")
    return {s.key: s for s in registry.sources}


def _bibliography_url():
    from django.urls import reverse

    return reverse("bibliography")


def read_curriculum(root=DEFAULT_ROOT, *, bibliography_url=None):
    """Parse and validate every file; raise CurriculumError listing all problems."""
    root = Path(root)
    problems = []
    sources = _load_sources(root, problems)
    cite = Citer(sources, bibliography_url or _bibliography_url())
    course = _load_yaml(root, root / "course.yaml", CourseFile, problems)
    evaluation = _load_yaml(root, root / "evaluation.yaml", EvaluationFile, problems)
    modules = []
    for module_dir in sorted(p for p in (root / "modules").iterdir() if p.is_dir()):
        meta = _load_yaml(root, module_dir / "module.yaml", ModuleFile, problems)
        quiz = _load_yaml(root, module_dir / "quiz.yaml", QuestionFile, problems)
        final = _load_yaml(root, module_dir / "final_exam.yaml", QuestionFile, problems)
        lessons = [_load_lesson(root, p, problems, cite) for p in sorted((module_dir / "lessons").glob("*.md"))]
        if meta is None or quiz is None or final is None or None in lessons:
            continue
        if not lessons:
            problems.append(f"{_rel(root, module_dir)}: lessons: a module needs at least one lesson")
        modules.append(
            Module(
                path=module_dir,
                meta=meta,
                lessons=sorted(lessons, key=lambda lesson: lesson.front.order),
                quiz=quiz.questions,
                final_items=final.questions,
            )
        )
    if course and not problems:
        problems.extend(_cross_checks(root, course, modules, sources))
    if problems:
        raise CurriculumError(problems)
    return Curriculum(
        root=root,
        course=course,
        evaluation=evaluation,
        modules=sorted(modules, key=lambda m: m.meta.order),
        sources=sources,
    )


def _duplicates(values):
    seen, dupes = set(), set()
    for v in values:
        (dupes if v in seen else seen).add(v)
    return sorted(dupes)


def _cross_checks(root, course, modules, sources):
    problems = []
    course_objectives = {o.id for o in course.objectives}
    for dupe in _duplicates(m.meta.slug for m in modules):
        problems.append(f"modules: module slug {dupe!r} is used twice")
    for dupe in _duplicates(m.meta.order for m in modules):
        problems.append(f"modules: module order {dupe} is used twice")
    for dupe in _duplicates(lesson.front.slug for m in modules for lesson in m.lessons):
        problems.append(f"modules: lesson slug {dupe!r} is used twice")
    all_keys = [q.key for m in modules for q in (*m.quiz, *m.final_items)]
    for dupe in _duplicates(all_keys):
        problems.append(f"modules: question key {dupe!r} is used twice")
    for m in modules:
        where = _rel(root, m.path)
        objective_ids = {o.id for o in m.meta.objectives}
        for dupe in _duplicates(o.id for o in m.meta.objectives):
            problems.append(f"{where}/module.yaml: objectives: id {dupe!r} is used twice")
        for name, items in (("quiz.yaml", m.quiz), ("final_exam.yaml", m.final_items)):
            for i, q in enumerate(items):
                unknown = [key for key in q.source if key not in sources]
                for key in unknown:
                    problems.append(f"{where}/{name}: questions[{i}].source: unknown source key {key!r}")
                if unknown or q.claim not in EVIDENCE_CLAIMS:
                    continue
                if not any(sources[key].kind in EVIDENCE_KINDS for key in q.source):
                    problems.append(
                        f"{where}/{name}: questions[{i}].source: an item with claim {q.claim!r} must cite at least one "
                        "peer-reviewed or regulatory source"
                    )
        for i, q in enumerate(m.quiz):
            if q.objective not in objective_ids:
                problems.append(
                    f"{where}/quiz.yaml: questions[{i}].objective: {q.objective!r} is not an objective of this module"
                )
        for i, q in enumerate(m.final_items):
            if q.objective not in course_objectives:
                problems.append(
                    f"{where}/final_exam.yaml: questions[{i}].objective: {q.objective!r} is not a course objective"
                )
        if m.meta.quiz.questions_per_attempt > len(m.quiz):
            problems.append(f"{where}/module.yaml: quiz.questions_per_attempt: larger than the pool ({len(m.quiz)})")
    pool = sum(len(m.final_items) for m in modules)
    if course.final_exam.questions_per_attempt > pool:
        problems.append(f"course.yaml: final_exam.questions_per_attempt: larger than the pool ({pool})")
    return problems
