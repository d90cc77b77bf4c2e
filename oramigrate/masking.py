"""Secrets out of the messages people read: by the structure that holds them, then by their known values.

A driver's message may repeat what it was given: psycopg quotes the token of a connection string it
cannot read (``invalid percent-encoded token: "S3cret%zz"``), python-oracledb quotes a connect string
(``cannot parse connect string "scott/tiger@db/svc"``), and anything may show a URL. Replacing the
password's text wherever it appears was wrong both ways: a short password ("app", "127") also hid
the user name or the host it equals, and an encoded form (``p%40ss`` for ``p@ss``) or the tail of a
password an unencoded ``@`` split was not found. So:

1. structure first: the password of every URL in the text (``scheme://user:PASSWORD@host``, split
   at the last ``@`` before the path, as a person meant it), of Oracle's ``user/PASSWORD@dsn``, and
   every ``password=VALUE`` pair (libpq and Oracle connect strings, query strings);
2. then the known secret values (the URL's password, ``ORACLE_PASSWORD``, ``SECRET_KEY``,
   ``SECURITY_PASSWORD_SALT``, from the environment or their ``*_FILE``), raw and URL-encoded,
   wherever they still appear, and the tail of a password that an unencoded ``@`` split where it
   stands as the start of a host (``ss@db``). Values shorter than ``MIN_MASKED`` characters are
   masked only where the structure says they are a password: three characters are found by trying
   anyway, and hiding every "127" would hide the host around it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from urllib.parse import quote, quote_plus, unquote

from sqlalchemy.engine import URL

MASK = "***"
MIN_MASKED = 4
# settings whose values are secrets; DATABASE_URL's password is taken from it by structure
SECRET_SETTINGS = ("ORACLE_PASSWORD", "SECRET_KEY", "SECURITY_PASSWORD_SALT")

# scheme:// then everything up to white space or a quote: the URL as it stands in a message
_URL = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.\-]*://)(?P<rest>[^\s\"'<>`]*)")
# key=value pairs naming a password: libpq conninfo, Oracle connect strings, query strings, JDBC
_PAIR = re.compile(
    r"(?P<key>\b(?:password|passwd|pwd|wallet_password)\s*=\s*)(?P<value>'(?:[^'\\]|\\.)*'|\"[^\"]*\"|[^\s&;,)]+)",
    re.IGNORECASE,
)
# Oracle's user/password@connect_identifier (SQL*Plus, python-oracledb's dsn)
_ORACLE_CREDENTIALS = re.compile(r"(?<![\w.$#/])(?P<user>[\w.$#]+)/(?P<password>[^\s/@\"']+)@(?=[\w\[(./-])")


def _userinfo(rest: str) -> tuple[str, str | None, int] | None:
    """(user, password (None without a ':'), index of the host's '@') of a URL's text after its scheme.

    The authority ends at the path; an unencoded '@' in the password still belongs to it, so the
    host starts after the last '@' before the query or fragment. None when there is no '@'.
    """
    head = re.split(r"[?#]", rest, maxsplit=1)[0]
    if "@" not in head:
        return None
    cut = head.rindex("@")
    user, colon, password = head[:cut].partition(":")
    return user, password if colon else None, cut


def _mask_url(match: re.Match[str]) -> str:
    rest = match["rest"]
    found = _userinfo(rest)
    if found is None:
        return match[0]
    user, password, cut = found
    # the word itself is how help texts write the form (user:password@host); were it the real
    # password, its known value is masked below
    if password is None or password in (MASK, "password"):
        return match[0]
    return f"{match['scheme']}{user}:{MASK}{rest[cut:]}"


def _encoded_forms(value: str) -> set[str]:
    """``value`` as it can appear in a URL or a message: raw, percent-encoded (either case), plus-encoded."""
    forms = {
        value,
        unquote(value),
        quote(value, safe=""),
        quote(value, safe="/"),
        quote_plus(value),
        # only the URL's delimiters encoded, as a person writes a URL by hand ('@' as %40)
        quote(value, safe="!$&'()*+,;=%"),
    }
    forms |= {re.sub(r"%[0-9A-F]{2}", lambda m: m[0].lower(), form) for form in forms}
    return forms


def _raw_password(raw_url: str) -> str | None:
    """The password of a URL as written, split where a person meant it (the last '@')."""
    found = _URL.search(raw_url)
    userinfo = None if found is None else _userinfo(found["rest"])
    return None if userinfo is None else userinfo[1] or None


def known_secrets(url: URL | None = None, environ: Mapping[str, str] | None = None) -> list[str]:
    """The secret values in play: ``url``'s password and the secret settings of ``environ``."""
    from .errors import ConfigurationError
    from .settings import env_secret

    environ = os.environ if environ is None else environ
    values: set[str] = set()
    if url is not None:
        from .settings import url_secrets

        values.update(url_secrets(url))  # its password and secret query values (?sslpassword=)
    if url is not None and url.password:
        if url.host and "@" in url.host:
            # an unencoded '@' split the password: SQLAlchemy kept the head, the tail went to the host
            values.add(f"{url.password}@{url.host[: url.host.rindex('@')]}")
    for name in (*SECRET_SETTINGS, "DATABASE_URL"):
        try:
            value = env_secret(name, environ)
        except ConfigurationError:  # an unreadable *_FILE: reported where it is read
            continue
        if value and name == "DATABASE_URL":
            value = _raw_password(value)
        if value:
            values.add(value)
    return sorted(values)


def mask_secrets(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with URL passwords, password pairs and the given secret values shown as ``***``."""
    text = _URL.sub(_mask_url, text)
    text = _PAIR.sub(lambda m: m["key"] + MASK, text)
    text = _ORACLE_CREDENTIALS.sub(lambda m: f"{m['user']}/{MASK}@", text)
    secrets = list(secrets)
    forms = {form for value in secrets if len(value) >= MIN_MASKED for form in _encoded_forms(value)}
    for form in sorted((f for f in forms if len(f) >= MIN_MASKED), key=len, reverse=True):
        text = text.replace(form, MASK)
    for value in secrets:
        # the tail of a password an unencoded '@' split, shown where a host name goes ('ss@db')
        for at in (i for i, char in enumerate(value) if char == "@"):
            tail = value[at + 1 :]
            if tail:
                text = re.sub(rf"(?<![\w.-]){re.escape(tail)}@", MASK + "@", text)
    return text
