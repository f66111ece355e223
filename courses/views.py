from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from .forms import EvaluationForm
from .models import CoursePage, LessonPage
from .selectors import bibliography, course_outline, dashboard, lesson_context
from .services import CourseActionError, ProfileRequired, enrol, evaluation_submit, lesson_mark_complete


@login_required
def dashboard_view(request):
    return render(request, "courses/dashboard.html", {"courses": dashboard(user=request.user)})


def bibliography_view(request):
    """The course bibliography: every source a lesson or item may cite, public
    so that anyone can check what the course rests on."""
    return render(request, "courses/bibliography.html", {"groups": bibliography()})


HANDOUT_FOOTER = (
    "General information for clients; it does not replace advice from your treatment team. "
    "In a crisis in the US, call or text 988; elsewhere, contact local emergency services."
)


def handout_pdf_view(request, lesson_id, slug):
    """A lesson's handout as PDF, made from the same text the lesson shows.
    Readable by whoever may read the lesson."""
    from .handouts import render_handout_pdf

    lesson = get_object_or_404(LessonPage.objects.live(), pk=lesson_id)
    context = lesson_context(lesson=lesson, user=request.user)
    if not context["can_read"]:
        messages.info(request, "Enrol in the course to download this handout.")
        return redirect(context["course"].url + "#enrol")
    handout = next((b.value for b in lesson.body if b.block_type == "handout" and b.value["slug"] == slug), None)
    if handout is None:
        raise Http404("No such handout in this lesson.")
    pdf = render_handout_pdf(
        title=handout["title"], text=handout["text"], course_title=context["course"].title, footer=HANDOUT_FOOTER
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{slug}.pdf"'
    return response


@login_required
@require_POST
def enrol_view(request, course_id):
    course = get_object_or_404(CoursePage.objects.live(), pk=course_id)
    try:
        enrol(user=request.user, course=course)
    except ProfileRequired as exc:
        messages.warning(request, str(exc))
        return redirect(f"{_profile_url()}?next={course.url}")
    messages.success(request, f"You are enrolled in {course.title}.")
    return redirect(course.url)


@login_required
@require_POST
def lesson_complete_view(request, lesson_id):
    lesson = get_object_or_404(LessonPage.objects.live(), pk=lesson_id)
    try:
        lesson_mark_complete(user=request.user, lesson=lesson)
    except CourseActionError as exc:
        messages.error(request, str(exc))
        return redirect(lesson.url)
    messages.success(request, "Lesson marked complete.")
    target = request.POST.get("next_url", "")
    return redirect(target if target.startswith("/") and not target.startswith("//") else lesson.url)


@login_required
def evaluation_view(request, course_id):
    course = get_object_or_404(CoursePage.objects.live(), pk=course_id)
    progress = course_outline(course=course, user=request.user)
    if not progress.enrolled:
        messages.info(request, "Enrol in the course first.")
        return redirect(course.url)
    questions = course.evaluation_questions.all()
    form = EvaluationForm(request.POST or None, questions=questions)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                evaluation_submit(user=request.user, course=course, answers=form.answers())
            except CourseActionError as exc:
                messages.error(request, str(exc))
                return redirect(course.url)
            messages.success(request, "Thank you for your evaluation.")
            return redirect(course.url)
        status = 400
    return render(
        request, "courses/evaluation.html", {"course": course, "form": form, "progress": progress}, status=status
    )


def _profile_url():
    from django.urls import reverse

    return reverse("profile")
