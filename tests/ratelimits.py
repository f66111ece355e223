"""Client addresses for tests that run a burst into a django-ratelimit limit.

django-ratelimit counts in fixed windows whose edges are staggered per key
(the client address here). A burst that happens to straddle an edge is
counted in two windows and never reaches the limit, so a test that picks a
fixed address fails about once in every (60 s / burst length) runs. These
tests pick an address whose current window has time enough left instead.
"""

import time

from django_ratelimit.core import _get_window, _split_rate


def address_with_time_left(rate: str, *, seconds: float = 40) -> str:
    """An address from the documentation range 192.0.2.0/24 whose current
    window for `rate` ("60/m") still has at least `seconds` to run."""
    _, period = _split_rate(rate)
    assert seconds < period, "no window is that long"
    for n in range(1, 255):
        address = f"192.0.2.{n}"
        if _get_window(address, period) - time.time() >= seconds:
            return address
    raise AssertionError(f"no address in 192.0.2.0/24 has {seconds} s left in its {rate} window")
