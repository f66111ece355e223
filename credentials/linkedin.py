"""LinkedIn's "Add to profile" link for a certification (pure).

Parameters as LinkedIn documents them for Add to Profile for Certifications:
the certification's name, the issuing organisation, issue (and expiry) year
and month, the URL where it can be checked and its id.
"""

from datetime import date
from urllib.parse import urlencode

ADD_TO_PROFILE = "https://www.linkedin.com/profile/add"


def add_to_profile_url(
    *, name: str, organization: str, issued: date, cert_url: str, cert_id: str, expires: date | None = None
) -> str:
    params = {
        "startTask": "CERTIFICATION_NAME",
        "name": name,
        "organizationName": organization,
        "issueYear": issued.year,
        "issueMonth": issued.month,
    }
    if expires is not None:
        params.update(expirationYear=expires.year, expirationMonth=expires.month)
    params.update(certUrl=cert_url, certId=cert_id)
    return f"{ADD_TO_PROFILE}?{urlencode(params)}"
