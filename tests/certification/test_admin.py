"""Editors author a program, with its inline courses and rubric, in the
Wagtail admin; a second program needs no code."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from certification.models import Program
from home.services import EDITORS_GROUP, ensure_editor_group
from tests.factories import UserFactory, make_course

pytestmark = pytest.mark.django_db


def formset(prefix, rows):
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        data.update({f"{prefix}-{i}-{k}": v for k, v in row.items()})
        data.update({f"{prefix}-{i}-ORDER": str(i + 1), f"{prefix}-{i}-DELETE": "", f"{prefix}-{i}-id": ""})
    return data


def program_form(course, **changes):
    data = {
        "title": "Ketamine-assisted therapy support",
        "slug": "ketamine-support",
        "summary": "A second program, authored without code.",
        "live": "on",
        "practice_cases_required": "4",
        "attestation_required": "on",
        "capstone_required": "on",
        "capstone_brief": "One case.",
        "capstone_pass_score": "6",
        "code_of_conduct": "Stay within scope.",
        "validity_months": "36",
        "renewal_ce_hours": "12.0",
        "renewal_attestation_required": "on",
        **formset("courses", [{"course": str(course.pk)}]),
        **formset("criteria", [{"key": "plan", "title": "Plan", "guidance": "", "max_score": "10", "min_score": "3"}]),
    }
    data.update(changes)
    return data


def test_an_editor_authors_a_second_program(client):
    course = make_course(modules=1, lessons=1, questions=2, final_questions=2)
    ensure_editor_group()
    editor = UserFactory(is_staff=True)
    editor.groups.add(Group.objects.get(name=EDITORS_GROUP))
    client.force_login(editor)
    url = reverse("wagtailsnippets_certification_program:add")
    assert client.get(url).status_code == 200
    response = client.post(url, program_form(course))
    assert response.status_code == 302, response.content.decode()[:2000]
    program = Program.objects.get(slug="ketamine-support")
    assert [c.course_id for c in program.courses.all()] == [course.pk]
    assert [(c.key, c.max_score, c.min_score) for c in program.criteria.all()] == [("plan", 10, 3)]
    assert program.validity_months == 36


def test_a_pass_mark_above_the_rubric_total_is_refused(client):
    course = make_course(modules=1, lessons=1, questions=2, final_questions=2)
    superuser = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(superuser)
    url = reverse("wagtailsnippets_certification_program:add")
    response = client.post(url, program_form(course, capstone_pass_score="11"))
    assert response.status_code == 200 and b"add up to only 10" in response.content
    assert not Program.objects.exists()
