"""Login lockout, password rules, production headers and cookies, the deploy
check, and admin image upload validation."""

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image
from wagtail.images import get_image_model
from wagtail.models import Collection

from courses.models import LessonPage
from courses.services import enrol
from home.services import ensure_editor_group
from quizzes.models import Quiz
from quizzes.services import attempt_start
from tests.factories import UserFactory, complete_course, learner, make_course
from tests.security.production import SECRET, SIGNING_KEY, production_settings

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct-horse-battery"  # tests/factories.py
# A refused login shows the form again (status 400) with one of these.
WRONG = b"The email address and/or password you specified are not correct."
LOCKED = b"Too many failed login attempts. Try again later."


# --- Login lockout -----------------------------------------------------------


def login(client, email, password, n):
    """POST the login form from a different client address every time."""
    return client.post(
        reverse("account_login"),
        {"login": email, "password": password},
        REMOTE_ADDR=f"198.51.100.{n}",
        HTTP_X_FORWARDED_FOR=f"203.0.113.{n}, 192.0.2.{n}",
    )


def test_login_lockout_after_five_failures_survives_rotating_forwarded_for():
    user = learner()
    client = Client()
    for n in range(1, 6):
        response = login(client, user.email, "wrong password", n)
        assert response.status_code == 400 and WRONG in response.content
        assert "_auth_user_id" not in client.session
    # A new address, a new X-Forwarded-For, and the right password: still refused.
    response = login(client, user.email, PASSWORD, 99)
    assert LOCKED in response.content
    assert "_auth_user_id" not in client.session
    # Another account is not locked by it.
    other = learner()
    assert login(Client(), other.email, PASSWORD, 7).status_code == 302


def test_login_lockout_survives_rotating_host_names():
    """Each allowed host name must not grant five more guesses."""
    user = learner()
    client = Client()
    hosts = ["testserver", "localhost", "127.0.0.1"]
    for n in range(1, 6):
        response = client.post(
            reverse("account_login"),
            {"login": user.email, "password": "wrong password"},
            HTTP_HOST=hosts[n % len(hosts)],
            REMOTE_ADDR=f"198.51.100.{n}",
        )
        assert WRONG in response.content
    for host in hosts:
        response = client.post(
            reverse("account_login"),
            {"login": user.email, "password": PASSWORD},
            HTTP_HOST=host,
            REMOTE_ADDR="192.0.2.99",
        )
        assert LOCKED in response.content
        assert "_auth_user_id" not in client.session


def test_login_lockout_holds_behind_the_production_proxy():
    """In production the client address comes from the proxy's
    X-Forwarded-For entry; rotating the entries a client adds changes nothing."""
    user = learner()
    with production_settings():
        client = Client(HTTP_X_FORWARDED_PROTO="https")
        for n in range(1, 6):
            assert WRONG in login(client, user.email, "wrong password", n).content
        response = login(client, user.email, PASSWORD, 99)
    assert LOCKED in response.content
    assert "_auth_user_id" not in client.session


# --- Passwords (OWASP ASVS 4.0 V2.1) --------------------------------------------


@pytest.mark.parametrize(
    "password, reason",
    [
        ("Tr0ub4dor&3", "shorter than 12 characters (ASVS 2.1.1)"),
        ("password1234", "on the common (breached) password list (ASVS 2.1.7)"),
        ("qwertyuiop123", "on the common (breached) password list (ASVS 2.1.7)"),
        ("583920174652", "entirely numeric"),
        ("dr.ada.nunez@example.org", "the same as the e-mail address"),
    ],
)
def test_weak_passwords_are_refused(password, reason):
    user = get_user_model()(email="dr.ada.nunez@example.org")
    with pytest.raises(ValidationError):
        validate_password(password, user)


@pytest.mark.parametrize(
    "password",
    [
        "quiet lantern orchard",  # a passphrase with spaces, no composition rules (ASVS 2.1.9)
        "ñandú-über-café-🌧️",  # any printable Unicode (ASVS 2.1.4)
        "a1!" * 43,  # 129 characters: long passwords are allowed (ASVS 2.1.2)
    ],
)
def test_strong_passwords_are_accepted_without_composition_rules(password):
    validate_password(password, get_user_model()(email="someone@example.org"))


def test_signup_enforces_the_password_rules(client):
    url = reverse("account_signup")
    response = client.post(url, {"email": "new@example.org", "password1": "password1234", "password2": "password1234"})
    assert b"This password is too common." in response.content
    assert not get_user_model().objects.filter(email="new@example.org").exists()
    good = "quiet lantern orchard"
    response = client.post(url, {"email": "new@example.org", "password1": good, "password2": good})
    assert response.status_code == 302
    assert get_user_model().objects.filter(email="new@example.org").exists()


# --- Production settings -------------------------------------------------------


def run_manage(*args, **env):
    env = {"CACHE_URL": "redis://127.0.0.1:6379/0", **env}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.production", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_settings():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY=SECRET,
        ALLOWED_HOSTS="example.org",
        CREDENTIAL_SIGNING_KEY=SIGNING_KEY,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    "env",
    [
        {"SECRET_KEY": "", "ALLOWED_HOSTS": "example.org", "CREDENTIAL_SIGNING_KEY": SIGNING_KEY},
        {"SECRET_KEY": "dev-" + "x" * 60, "ALLOWED_HOSTS": "example.org", "CREDENTIAL_SIGNING_KEY": SIGNING_KEY},
        {"SECRET_KEY": "too-short", "ALLOWED_HOSTS": "example.org", "CREDENTIAL_SIGNING_KEY": SIGNING_KEY},
        {"SECRET_KEY": SECRET, "ALLOWED_HOSTS": "", "CREDENTIAL_SIGNING_KEY": SIGNING_KEY},
        {"SECRET_KEY": SECRET, "ALLOWED_HOSTS": "example.org", "CREDENTIAL_SIGNING_KEY": ""},
        # a public key where the secret key belongs
        {"SECRET_KEY": SECRET, "ALLOWED_HOSTS": "example.org", "CREDENTIAL_SIGNING_KEY": "z6MkjZRZv3aez3r18pB1RB"},
    ],
)
def test_production_refuses_to_start_without_a_real_secret_hosts_and_signing_key(env):
    result = run_manage("check", **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr


@pytest.mark.parametrize("cache_url", ["", "locmem://", "locmem://pages", "dummy://"])
def test_production_refuses_a_cache_that_processes_do_not_share(cache_url):
    """Unset (the embedded locmem default), per-process or no cache: the
    lockout and rate limits would count per process, pages go stale."""
    result = run_manage("check", SECRET_KEY=SECRET, ALLOWED_HOSTS="example.org", CACHE_URL=cache_url)
    assert result.returncode != 0
    assert "ImproperlyConfigured: CACHE_URL must name a cache every process shares" in result.stderr


@pytest.fixture
def pages(media_root):
    """One URL of every page type, with the client that may see it."""
    course = make_course(modules=1, lessons=2, questions=2, final_questions=2)
    user = learner()
    enrol(user=user, course=course)
    quiz = Quiz.objects.get(module__in=course.get_children())
    attempt = attempt_start(user=user, quiz=quiz)
    graduate = learner()
    complete_course(graduate, make_course(modules=1, lessons=1, questions=2, final_questions=2))
    from certificates.models import Certificate

    code = Certificate.objects.get(user=graduate).code
    lesson = LessonPage.objects.live().descendant_of(course).last()
    return user, [
        ("home", "/", False),
        ("course", course.url, False),
        ("lesson", lesson.url, True),
        ("dashboard", reverse("dashboard"), True),
        ("quiz", reverse("quiz_detail", args=[quiz.pk]), True),
        ("attempt", reverse("attempt_detail", args=[attempt.pk]), True),
        ("profile", reverse("profile"), True),
        ("verify form", reverse("certificate_verify_form"), False),
        ("verify", reverse("certificate_verify", args=[code]), False),
        ("verify unknown", reverse("certificate_verify", args=["AAAAA-AAAAA-AAAAA"]), False),
        ("login", reverse("account_login"), False),
        ("signup", reverse("account_signup"), False),
        ("password reset", reverse("account_reset_password"), False),
        ("not found", "/no-such-page/", False),
        ("health", reverse("healthz"), False),
    ]


INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:ld\+)?json\")[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)


def test_every_page_type_sends_hsts_csp_and_safe_headers_in_production(pages):
    user, urls = pages
    with production_settings():
        anonymous, member = Client(), Client()
        member.force_login(user)
        for name, url, needs_login in urls:
            response = (member if needs_login else anonymous).get(url, secure=True)
            assert response.status_code in (200, 404), (name, response.status_code)
            headers = response.headers
            assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload", name
            csp = headers["Content-Security-Policy"]
            for directive in ("default-src 'self'", "script-src 'self'", "object-src 'none'", "frame-ancestors 'none'"):
                assert directive in csp, (name, directive)
            script_src = next(d for d in csp.split(";") if d.strip().startswith("script-src"))
            # Only Wagtail's admin may run inline script (a few of its widgets need it).
            assert ("'unsafe-inline'" in script_src) == url.startswith("/admin/"), name
            assert headers["X-Content-Type-Options"] == "nosniff", name
            assert headers["X-Frame-Options"] == "DENY", name
            assert headers["Referrer-Policy"] == "same-origin", name
            if headers["Content-Type"].startswith("text/html"):
                # script-src 'self' blocks inline script: no page may rely on it.
                html = response.content.decode()
                assert INLINE_SCRIPT.findall(html) == [], name
                assert INLINE_HANDLER.findall(html) == [], name
        # Plain HTTP is sent to HTTPS.
        response = anonymous.get("/")
        assert response.status_code == 301 and response["Location"].startswith("https://")


def test_session_and_csrf_cookies_are_secure_in_production():
    user = learner()
    with production_settings():
        client = Client(enforce_csrf_checks=True)
        response = client.get(reverse("account_login"), secure=True)
        csrf = response.cookies["csrftoken"]
        assert csrf["secure"] and csrf["samesite"] == "Lax"
        response = client.post(
            reverse("account_login"),
            {"login": user.email, "password": PASSWORD, "csrfmiddlewaretoken": csrf.value},
            secure=True,
            HTTP_REFERER="https://testserver/accounts/login/",  # checked by Django's CSRF protection on HTTPS
        )
        assert response.status_code == 302
        session = response.cookies["sessionid"]
        assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"


# --- Admin image uploads -----------------------------------------------------------


def png_bytes(size, mode="RGB", noise=False):
    image = Image.frombytes(mode, size, os.urandom(size[0] * size[1] * 3)) if noise else Image.new(mode, size)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def editor_client(media_root):
    ensure_editor_group()
    from django.contrib.auth.models import Group

    editor = UserFactory(is_staff=True)
    editor.groups.add(Group.objects.get(name="Course editors"))
    client = Client()
    client.force_login(editor)
    return client


def upload(client, name, content, content_type="image/png"):
    return client.post(
        reverse("wagtailimages:add"),
        {
            "title": name,
            "file": SimpleUploadedFile(name, content, content_type=content_type),
            "collection": Collection.get_first_root_node().pk,
        },
    )


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")  # the bomb case, refused below
@pytest.mark.parametrize(
    "name, make_content, message",
    [
        ("huge.png", lambda: png_bytes((1500, 1500), noise=True), "This file is too big"),  # > 5 MB
        ("notes.png", lambda: b"Just some text pretending to be an image.\n" * 20, "Upload a valid image"),
        ("page.png", lambda: b"<html><script>alert(1)</script></html>", "Not a valid .png image"),
        ("vector.svg", lambda: b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "Not a"),
        ("bomb.png", lambda: png_bytes((12000, 12000), mode="1"), "too many pixels"),
        ("photo.jpg", lambda: png_bytes((10, 10)), "does not match the file format"),
    ],
)
def test_admin_image_upload_refuses_wrong_type_and_size(editor_client, media_root, name, make_content, message):
    content = make_content()
    response = upload(editor_client, name, content)
    assert response.status_code == 200  # the form again, with its error
    assert message in response.content.decode()
    assert not get_image_model().objects.exists()
    assert not list(Path(media_root).rglob("*.*"))


def test_admin_image_upload_accepts_a_real_small_image(editor_client, media_root):
    response = upload(editor_client, "signature.png", png_bytes((300, 80)))
    assert response.status_code == 302
    assert get_image_model().objects.count() == 1
