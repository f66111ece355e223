"""The cached shape of a course: modules, lessons and quizzes in order.

Building it takes five queries; it is cached under the content version
(``core.caching``), so learners never see a stale outline.
"""

from dataclasses import dataclass, field

from django.urls import reverse
from wagtail.models import Page

from core.caching import cached


@dataclass(frozen=True)
class LessonRef:
    id: int
    title: str
    url: str
    summary: str
    estimated_minutes: int
    free_preview: bool
    module_id: int


@dataclass(frozen=True)
class ModuleRef:
    id: int
    number: int
    title: str
    url: str
    summary: str
    lessons: tuple
    quiz_id: int | None
    quiz_title: str
    objectives: tuple = ()


@dataclass(frozen=True)
class Step:
    """Where a learner goes next: a lesson, a quiz or the course evaluation."""

    kind: str
    title: str
    url: str


@dataclass(frozen=True)
class CourseStructure:
    id: int
    title: str
    url: str
    path: str
    ce_hours: str
    modules: tuple
    final_exam_id: int | None
    final_exam_title: str
    lessons_by_id: dict = field(default_factory=dict)
    objectives: tuple = ()
    participation_percent: int = 0

    @property
    def lessons(self):
        return [lesson for module in self.modules for lesson in module.lessons]

    @property
    def quiz_ids(self):
        ids = [m.quiz_id for m in self.modules if m.quiz_id]
        if self.final_exam_id:
            ids.append(self.final_exam_id)
        return ids

    def module(self, module_id):
        return next((m for m in self.modules if m.id == module_id), None)

    def neighbours(self, lesson_id):
        """Previous and next lesson across module boundaries."""
        lessons = self.lessons
        index = next((i for i, lesson in enumerate(lessons) if lesson.id == lesson_id), None)
        if index is None:
            return None, None
        previous = lessons[index - 1] if index > 0 else None
        following = lessons[index + 1] if index + 1 < len(lessons) else None
        return previous, following

    def _module_start(self, module):
        """A module begins with its first lesson, or its quiz if it has none."""
        if module.lessons:
            first = module.lessons[0]
            return Step("lesson", first.title, first.url)
        if module.quiz_id:
            return Step("quiz", module.quiz_title, reverse("quiz_detail", args=[module.quiz_id]))
        return None

    def _after_module(self, module_id):
        """What follows a module: the next module, then the final examination,
        then the course evaluation."""
        index = next(i for i, m in enumerate(self.modules) if m.id == module_id)
        for module in self.modules[index + 1 :]:
            step = self._module_start(module)
            if step:
                return step
        if self.final_exam_id:
            return Step("quiz", self.final_exam_title, reverse("quiz_detail", args=[self.final_exam_id]))
        return Step("evaluation", "Course evaluation", reverse("course_evaluation", args=[self.id]))

    def step_after_lesson(self, lesson_id):
        """The next thing to do after reading a lesson, in the order the course
        requires it: the module's next lesson, else its quiz, else what
        follows the module."""
        ref = self.lessons_by_id.get(lesson_id)
        if ref is None:
            return None
        module = self.module(ref.module_id)
        index = next(i for i, lesson in enumerate(module.lessons) if lesson.id == lesson_id)
        if index + 1 < len(module.lessons):
            following = module.lessons[index + 1]
            return Step("lesson", following.title, following.url)
        if module.quiz_id:
            return Step("quiz", module.quiz_title, reverse("quiz_detail", args=[module.quiz_id]))
        return self._after_module(module.id)

    def step_after_quiz(self, quiz_id):
        """After a module quiz, the next module (or the final examination);
        after the final examination, the course evaluation."""
        if quiz_id == self.final_exam_id:
            return Step("evaluation", "Course evaluation", reverse("course_evaluation", args=[self.id]))
        module = next((m for m in self.modules if m.quiz_id == quiz_id), None)
        return self._after_module(module.id) if module else None


def _site_relative_url(page, root_url_path):
    # url_path is "/home/courses/x/"; the site root's own prefix is dropped.
    return "/" + page.url_path[len(root_url_path) :]


def build_structure(course):
    from quizzes.models import Quiz

    from .models import LearningObjective, LessonPage, ModulePage

    root_url_path = course.url_path.split("/")[1]
    root_prefix = f"/{root_url_path}/"
    modules = list(
        ModulePage.objects.live().child_of(course).order_by("path").only("id", "title", "url_path", "summary", "path")
    )
    lessons = list(
        LessonPage.objects.live()
        .descendant_of(course)
        .order_by("path")
        .only("id", "title", "url_path", "summary", "estimated_minutes", "free_preview", "path")
    )
    quizzes = {
        q.module_id: q for q in Quiz.objects.filter(module__in=[m.id for m in modules]).only("id", "title", "module_id")
    }
    final = Quiz.objects.filter(course_id=course.id).only("id", "title").first()
    objectives = {}
    for objective in LearningObjective.objects.filter(page_id__in=[course.id, *[m.id for m in modules]]).order_by(
        "sort_order", "pk"
    ):
        objectives.setdefault(objective.page_id, []).append(objective.text)
    module_refs = []
    lessons_by_id = {}
    for number, module in enumerate(modules, start=1):
        refs = []
        for lesson in lessons:
            if lesson.path.startswith(module.path):
                ref = LessonRef(
                    id=lesson.id,
                    title=lesson.title,
                    url=_site_relative_url(lesson, root_prefix),
                    summary=lesson.summary,
                    estimated_minutes=lesson.estimated_minutes,
                    free_preview=lesson.free_preview,
                    module_id=module.id,
                )
                refs.append(ref)
                lessons_by_id[lesson.id] = ref
        quiz = quizzes.get(module.id)
        module_refs.append(
            ModuleRef(
                id=module.id,
                number=number,
                title=module.title,
                url=_site_relative_url(module, root_prefix),
                summary=module.summary,
                lessons=tuple(refs),
                quiz_id=quiz.id if quiz else None,
                quiz_title=quiz.title if quiz else "",
                objectives=tuple(objectives.get(module.id, ())),
            )
        )
    return CourseStructure(
        id=course.id,
        title=course.title,
        url=_site_relative_url(course, root_prefix),
        path=course.path,
        ce_hours=str(course.ce_hours),
        modules=tuple(module_refs),
        final_exam_id=final.id if final else None,
        final_exam_title=final.title if final else "",
        lessons_by_id=lessons_by_id,
        objectives=tuple(objectives.get(course.id, ())),
        participation_percent=course.participation_percent,
    )


def course_structure(course):
    return cached(f"courses:structure:{course.id}", lambda: build_structure(course))


def course_structure_for_id(course_id):
    """Like ``course_structure`` without loading the course page on a cache hit."""
    from .models import CoursePage

    return cached(f"courses:structure:{course_id}", lambda: build_structure(CoursePage.objects.get(pk=course_id)))


def course_path_for(page):
    """The tree path of the course a module or lesson belongs to."""
    return course_path_of(page.path)


def course_path_of(tree_path):
    course_depth = 4  # root -> home -> course index -> course
    return tree_path[: Page.steplen * course_depth]


def course_structure_for_page(page):
    """Structure of the course above ``page``, cached by tree path so that a
    lesson view does not need to load its course page on a cache hit."""
    from .models import CoursePage

    path = course_path_for(page)
    return cached(structure_key_for_page(page), lambda: course_structure(CoursePage.objects.get(path=path)))


def structure_key_for_page(page):
    return f"courses:structure-by-path:{course_path_for(page)}"
