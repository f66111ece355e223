from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods, require_POST

from .forms import EvaluationForm
from .hooks import dashboard_sections
from .models import CoursePage, LessonPage
from .selectors import bibliography, course_catalogue, course_outline, dashboard, lesson_context, module_detail
from .services import (
    MSG_ENROL_FIRST,
    MSG_ENROL_TO_READ,
    CourseActionError,
    ProfileRequired,
    enrol,
    evaluation_submit,
    lesson_mark_complete,
    lesson_visit_record,
)


@login_required
def dashboard_view(request):
    return render(
        request,
        "courses/dashboard.html",
        {"courses": dashboard(user=request.user), "sections": dashboard_sections(request.user)},
    )


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
@require_http_methods(["GET", "POST"])
def enrol_view(request, course_id):
    """GET asks to confirm (where "Sign up to enrol" and the profile detour
    lead, so the intent survives both); POST enrols. Without a profile the
    learner goes to fill it in and comes back here, one click from enrolled."""
    course = get_object_or_404(CoursePage.objects.live(), pk=course_id)
    here = reverse("course_enrol", args=[course.pk])
    if request.method == "GET":
        if not hasattr(request.user, "profile"):
            messages.info(request, f"Complete your profile (your name on certificates) to enrol in {course.title}.")
            return redirect(f"{reverse('profile')}?{urlencode({'next': here})}")
        if course_outline(course=course, user=request.user).enrolled:
            return redirect(course.url)
        return render(request, "courses/enrol.html", {"course": course})
    try:
        enrol(user=request.user, course=course)
    except ProfileRequired as exc:
        messages.warning(request, str(exc))
        return redirect(f"{reverse('profile')}?{urlencode({'next': here})}")
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
        messages.info(request, MSG_ENROL_FIRST)
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


# Page views: Wagtail routes to the page; these build what it shows. Wired
# to the page types in CoursesConfig.ready (see core.models.SitePage.page_view).


def course_index_page_view(request, page):
    return {"courses": course_catalogue()}


def course_page_view(request, page):
    return {"outline": course_outline(course=page, user=request.user)}


def module_page_view(request, page):
    return {"detail": module_detail(module=page, user=request.user)}


def lesson_page_view(request, page):
    """A learner who may not read the lesson is sent to enrol; an enrolled
    one starts the lesson's clock the first time it is opened."""
    context = lesson_context(lesson=page, user=request.user)
    if not context["can_read"]:
        messages.info(request, MSG_ENROL_TO_READ)
        return redirect(context["course"].url + "#enrol")
    if context["enrolled"]:
        lesson_visit_record(user=request.user, lesson=page)
    return context
