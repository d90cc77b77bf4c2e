"""The address `runserver --production` prints is one a browser can open."""

from __future__ import annotations

import pytest

from webapp.server import address


@pytest.mark.parametrize(
    ("host", "shown"),
    [
        ("127.0.0.1", "http://127.0.0.1:5000"),
        ("0.0.0.0", "http://0.0.0.0:5000"),
        ("localhost", "http://localhost:5000"),
        ("::", "http://[::]:5000"),
        ("::1", "http://[::1]:5000"),
        ("fe80::1", "http://[fe80::1]:5000"),
    ],
)
def test_an_ipv6_host_is_bracketed(host: str, shown: str) -> None:
    assert address(host, 5000) == shown
