def user_data_export(*, user):
    """Everything the platform holds about a learner, as plain JSON data."""
    from certificates.models import Certificate
    from courses.models import CourseCompletion, Enrolment, EvaluationResponse, LessonCompletion
    from quizzes.models import Attempt

    profile = getattr(user, "profile", None)
    return {
        "account": {
            "email": user.email,
            "date_joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
        },
        "profile": {
            "legal_name": profile.legal_name,
            "profession": profile.profession,
            "license_number": profile.license_number,
            "license_jurisdiction": profile.license_jurisdiction,
        }
        if profile
        else None,
        "enrolments": [
            {"course": e.course.title, "enrolled_at": e.enrolled_at.isoformat()}
            for e in Enrolment.objects.filter(user=user).select_related("course")
        ],
        "lessons_completed": [
            {"lesson": c.lesson.title, "completed_at": c.completed_at.isoformat()}
            for c in LessonCompletion.objects.filter(user=user).select_related("lesson")
        ],
        "quiz_attempts": [
            {
                "quiz": a.quiz.title,
                "number": a.number,
                "status": a.status,
                "started_at": a.started_at.isoformat(),
                "submitted_at": a.submitted_at.isoformat() if a.submitted_at else None,
                "score": str(a.score) if a.score is not None else None,
                "passed": a.passed,
                "answers": {str(qid): ids for qid, ids in a.answers.values_list("question_id", "choice_ids")},
            }
            for a in Attempt.objects.filter(user=user).select_related("quiz").order_by("started_at")
        ],
        "evaluations": [
            {"course": e.course.title, "submitted_at": e.submitted_at.isoformat(), "answers": e.answers}
            for e in EvaluationResponse.objects.filter(user=user).select_related("course")
        ],
        "course_completions": [
            {"course": c.course.title, "completed_at": c.completed_at.isoformat()}
            for c in CourseCompletion.objects.filter(user=user).select_related("course")
        ],
        "certificates": [
            {
                "code": c.code,
                "status": c.status,
                "course": c.course_title,
                "ce_hours": c.ce_hours,
                "completed_at": c.completed_at.isoformat(),
                "issued_at": c.issued_at.isoformat() if c.issued_at else None,
                "printed_name": c.learner_name,
            }
            for c in Certificate.objects.filter(user=user).order_by("created_at")
        ],
    }


def certificates_to_download(*, user):
    """The learner's issued certificates, for the reminder on the closure page:
    after closing, the learner can no longer sign in to download them."""
    from certificates.models import Certificate, CertificateStatus

    return list(
        Certificate.objects.filter(user=user, status=CertificateStatus.ISSUED)
        .exclude(pdf="")
        .order_by("-completed_at")
        .only("id", "code", "snapshot", "completed_at")
    )
