from .hooks import export_sections


def user_data_export(*, user) -> dict:
    """Everything the platform holds about a learner, as plain JSON data: the
    account and profile here, then each section the apps above registered."""
    profile = getattr(user, "profile", None)
    data = {
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
    }
    for name, section in export_sections().items():
        data[name] = section(user=user)
    return data
