"""Two claims for the same body sent at once (a double click, two tabs):
one certificate, and the other request told it was already claimed."""

import threading

import pytest
from django.db import connection

from accreditation import services
from accreditation.models import CreditClaim
from certificates.models import Certificate
from tests.factories import complete_course, learner, make_course
from tests.worker import purge_queue

from .helpers import approval, offering, ready_provider

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_simultaneous_claims_make_one_certificate(media_root):
    ready_provider()
    course = make_course(modules=1, lessons=1, questions=1, final_questions=1)
    user = learner()
    complete_course(user, course)
    approval("apa")
    off = offering(course, "apa")
    barrier = threading.Barrier(2)
    outcomes = []

    def claim():
        try:
            barrier.wait()
            services.credit_claim(
                user=user,
                course_id=course.pk,
                offering_id=off.pk,
                hours="1",
                license_number="L-1",
                license_jurisdiction="Ohio",
                attested=True,
            )
            outcomes.append("claimed")
        except services.Conflict:
            outcomes.append("conflict")
        except Exception as exc:  # anything else is the failure this test looks for
            outcomes.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=claim) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes) == ["claimed", "conflict"]
    assert CreditClaim.objects.count() == 1
    assert Certificate.objects.filter(user=user, credit="apa").count() == 1
    purge_queue()  # the issue tasks enqueued on commit; no worker runs here
