from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from core.errors import ApplicationError, http_status, json_error
from core.parsing import BadJSON, json_loads_limited

from . import hooks, rules, selectors, services
from .answers import InvalidAnswer, parse_form
from .models import Attempt, Quiz

MAX_AUTOSAVE_BYTES = 4096


def _quiz_or_404(quiz_id):
    return get_object_or_404(Quiz.objects.select_related("module"), pk=quiz_id)


def _course_for(quiz):
    return hooks.host().course_for(quiz)


def _owned_attempt_or_404(request, attempt_id):
    try:
        return selectors.attempt_for_owner(user=request.user, attempt_id=attempt_id)
    except Attempt.DoesNotExist as exc:
        raise Http404("No such attempt.") from exc


@login_required
@never_cache
def quiz_detail(request, quiz_id):
    quiz = _quiz_or_404(quiz_id)
    return render(request, "quizzes/quiz_detail.html", _overview_context(request, quiz))


def _overview_context(request, quiz):
    course = _course_for(quiz)
    overview = selectors.quiz_overview(user=request.user, quiz=quiz, course_id=course.id)
    next_step = course.step_after_quiz(quiz.id) if overview["decision"].action == "passed" else None
    return {"quiz": quiz, "course": course, "next_step": next_step, **overview}


@login_required
@require_POST
def attempt_start_view(request, quiz_id):
    quiz = _quiz_or_404(quiz_id)
    try:
        attempt = services.attempt_start(user=request.user, quiz=quiz)
    except services.QuizError as exc:
        messages.error(request, str(exc))
        return render(request, "quizzes/quiz_detail.html", _overview_context(request, quiz), status=http_status(exc))
    return redirect("attempt_detail", attempt_id=attempt.pk)


@login_required
@never_cache
def attempt_detail(request, attempt_id):
    attempt = _owned_attempt_or_404(request, attempt_id)
    if attempt.is_open and rules.is_expired(attempt.deadline, timezone.now()):
        services.attempt_finalize(attempt_id=attempt.pk)
        messages.info(request, "Time ran out; your saved answers were graded.")
        return redirect("attempt_result", attempt_id=attempt.pk)
    if not attempt.is_open:
        return redirect("attempt_result", attempt_id=attempt.pk)
    return _render_attempt(request, attempt, selectors.attempt_questions(attempt=attempt))


def _render_attempt(request, attempt, questions, status=200):
    return render(
        request,
        "quizzes/attempt.html",
        {
            "attempt": attempt,
            "quiz": attempt.quiz,
            "questions": questions,
            "course": _course_for(attempt.quiz),
            "answered": sum(1 for q in questions if any(c["selected"] for c in q["choices"])),
        },
        status=status,
    )


@login_required
@require_POST
def answer_save_view(request, attempt_id):
    """Autosave endpoint: one question's selection as JSON or form data."""
    if len(request.body) > MAX_AUTOSAVE_BYTES:
        return JsonResponse({"error": "That request is too large."}, status=413)
    if request.content_type == "application/json":
        try:
            payload = json_loads_limited(request.body, max_depth=4)  # {"choice_ids": [...]} is depth 2
        except BadJSON as exc:
            return JsonResponse({"error": str(exc)}, status=400)
        if not isinstance(payload, dict):
            return JsonResponse({"error": "The request body must be a JSON object."}, status=400)
        question_id, choice_ids = payload.get("question_id"), payload.get("choice_ids", [])
    else:
        question_id, choice_ids = request.POST.get("question_id"), request.POST.getlist("choice_ids")
    try:
        services.answer_save(user=request.user, attempt_id=attempt_id, question_id=question_id, choice_ids=choice_ids)
    except Attempt.DoesNotExist:
        return JsonResponse({"error": "No such attempt."}, status=404)
    except ApplicationError as exc:
        return json_error(exc)
    return JsonResponse({"saved": True, "saved_at": timezone.now().isoformat()})


@login_required
@require_POST
def attempt_submit_view(request, attempt_id):
    try:
        attempt, graded_now = services.attempt_submit(
            user=request.user, attempt_id=attempt_id, form_items=list(request.POST.lists())
        )
    except Attempt.DoesNotExist as exc:
        raise Http404("No such attempt.") from exc
    except services.IncompleteSubmission as exc:
        attempt = _owned_attempt_or_404(request, attempt_id)
        messages.error(request, str(exc))
        selections = parse_form(attempt.snapshot, request.POST.lists())
        questions = selectors.questions_with_selection(snapshot=attempt.snapshot, selections=selections)
        return _render_attempt(request, attempt, questions, status=400)
    except InvalidAnswer as exc:
        attempt = _owned_attempt_or_404(request, attempt_id)
        messages.error(request, f"{exc} Nothing was submitted; please try again.")
        return _render_attempt(request, attempt, selectors.attempt_questions(attempt=attempt), status=400)
    if not graded_now:
        messages.info(request, "This attempt was already submitted; here is its result.")
    # 303 See Other: reloading the result page never re-posts the answers.
    response = HttpResponseRedirect(reverse("attempt_result", kwargs={"attempt_id": attempt.pk}))
    response.status_code = 303
    return response


@login_required
@never_cache
def attempt_result(request, attempt_id):
    attempt = _owned_attempt_or_404(request, attempt_id)
    if attempt.is_open:
        return redirect("attempt_detail", attempt_id=attempt.pk)
    course = _course_for(attempt.quiz)
    decision = selectors.quiz_next_action(user=request.user, quiz=attempt.quiz, course_id=course.id)
    passed_quiz = decision.action == "passed"
    level = selectors.review_level(attempt=attempt, quiz_passed=passed_quiz)
    return render(
        request,
        "quizzes/result.html",
        {
            "attempt": attempt,
            "quiz": attempt.quiz,
            "course": course,
            "decision": decision,
            "next_step": course.step_after_quiz(attempt.quiz_id) if passed_quiz else None,
            "review_level": level,
            "review": selectors.attempt_review(attempt=attempt, level=level) if level != rules.REVIEW_NONE else None,
            "question_count": len(attempt.snapshot["questions"]),
            "correct_count": sum(1 for r in (attempt.results or {}).values() if r.get("correct")),
        },
    )


@login_required
def quiz_preview(request, quiz_id):
    """Editors see a fresh draw exactly as a learner would, with nothing saved."""
    if not request.user.has_perm("quizzes.change_quiz"):
        raise Http404
    quiz = _quiz_or_404(quiz_id)
    pool = list(quiz.questions.filter(active=True).prefetch_related("choices"))
    questions = rules.draw_questions(pool, quiz.questions_per_attempt, set(), rules.system_random)
    snapshot = rules.build_snapshot(quiz, questions, None, rules.system_random)
    return render(
        request,
        "quizzes/preview.html",
        {
            "quiz": quiz,
            "questions": selectors.questions_with_selection(snapshot=snapshot, selections={}),
            "pool_size": len(pool),
        },
    )
