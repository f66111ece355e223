"""Idempotent set-up of the site root and the editors' group."""

from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission, Page, Site

from courses.curriculum_loader import LoadReport, load_curriculum
from courses.curriculum_schema import DEFAULT_ROOT

from .models import HomePage

EDITORS_GROUP = "Course editors"
# Only what authoring and certificate management need: no users, no
# settings, no redirects, no workflows.
EDITOR_MODEL_PERMISSIONS = {
    "wagtailadmin": ["access_admin"],
    "quizzes": [
        "add_quiz",
        "change_quiz",
        "view_quiz",
        "add_question",
        "change_question",
        "view_question",
        "delete_question",
        "add_choice",
        "change_choice",
        "delete_choice",
        "view_choice",
        "add_attemptgrant",
        "view_attemptgrant",
    ],
    "certificates": ["view_certificate", "manage_certificate", "view_certificateevent"],
    # Editors author certification programs; scoring capstones is the
    # reviewers' group's alone (certification.services.ensure_reviewer_group).
    # Editors see certifications and their audit log, and accept or reject
    # other providers' CE certificates; revoking needs revoke_certification,
    # granted to named staff only.
    "certification": [
        "add_program",
        "change_program",
        "view_program",
        "view_certification",
        "view_externalce",
        "change_externalce",
    ],
}
EDITOR_PAGE_PERMISSIONS = ["add_page", "change_page", "publish_page", "lock_page", "unlock_page"]
EDITOR_COLLECTION_PERMISSIONS = {
    "wagtailimages": ["add_image", "change_image", "choose_image"],
    "wagtaildocs": ["add_document", "change_document", "choose_document"],
}


@transaction.atomic
def ensure_home_page(*, title="TRD Certify"):
    """The HomePage at the site root, replacing Wagtail's placeholder page."""
    home = HomePage.objects.first()
    if home:
        return home
    root = Page.get_first_root_node() or Page.add_root(instance=Page(title="Root", slug="root"))
    placeholder = Page.objects.filter(depth=2, content_type=ContentType.objects.get_for_model(Page)).first()
    home = HomePage(
        title=title,
        slug="trd-home",
        intro=(
            "<p>Evidence-informed continuing education for licensed therapists supporting clients with "
            "treatment-resistant depression, TMS and ketamine treatment.</p>"
        ),
    )
    root.add_child(instance=home)
    home.save_revision().publish()
    site = Site.objects.filter(is_default_site=True).first()
    if site:
        site.root_page = home
        site.site_name = title
        site.save()
    else:
        Site.objects.create(hostname="localhost", port=80, root_page=home, is_default_site=True, site_name=title)
    if placeholder:
        placeholder.delete()
    return home


def _permissions(app_label, codenames):
    found = list(Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames))
    missing = set(codenames) - {p.codename for p in found}
    if missing:
        raise LookupError(f"permissions not found for {app_label}: {sorted(missing)}")
    return found


@transaction.atomic
def ensure_editor_group(*, root_page=None):
    group, _ = Group.objects.get_or_create(name=EDITORS_GROUP)
    for app_label, codenames in EDITOR_MODEL_PERMISSIONS.items():
        group.permissions.add(*_permissions(app_label, codenames))
    root_page = root_page or HomePage.objects.first()
    if root_page:
        for permission in _permissions("wagtailcore", EDITOR_PAGE_PERMISSIONS):
            GroupPagePermission.objects.get_or_create(group=group, page=root_page, permission=permission)
    root_collection = Collection.get_first_root_node()
    for app_label, codenames in EDITOR_COLLECTION_PERMISSIONS.items():
        for permission in _permissions(app_label, codenames):
            GroupCollectionPermission.objects.get_or_create(
                group=group, collection=root_collection, permission=permission
            )
    return group


@transaction.atomic
def site_install_curriculum(*, root=DEFAULT_ROOT, force=False) -> LoadReport:
    """The site root, the editors' group and the flagship course, in one
    transaction (a failure leaves the database as it was)."""
    home = ensure_home_page()
    ensure_editor_group(root_page=home)
    return load_curriculum(parent=home, root=root, force=force)
