"""Credentials from the environment, checked up front; URLs shown without secrets.

kg takes credentials from three environment variables only, never from an
option or a URL (both show in process lists, shell history and messages):
``KG_ENDPOINT_TOKEN`` (a bearer token), or ``KG_ENDPOINT_USER`` and
``KG_ENDPOINT_PASSWORD`` (HTTP Basic, or HTTP Digest when the server asks for
it). :func:`from_environment` checks them before any request is made; its
errors name the variable and what is wrong with it, never its value.
:func:`shown` is how every URL appears in a message.
"""

from __future__ import annotations

import os
import re
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass

from kg.errors import UsageError

ENV_USER = "KG_ENDPOINT_USER"
ENV_PASSWORD = "KG_ENDPOINT_PASSWORD"
ENV_TOKEN = "KG_ENDPOINT_TOKEN"

#: Characters of an RFC 6750 bearer token (b64token).
_TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*")


@dataclass(frozen=True)
class Credentials:
    """What to authenticate with: a bearer token, a user and password, or nothing."""

    token: str | None = None
    user: str | None = None
    password: str | None = None

    def __repr__(self) -> str:  # never show a secret, not even in a traceback's locals
        kind = "token" if self.token else "user" if self.user else "none"
        return f"Credentials({kind})"

    @property
    def any(self) -> bool:
        return bool(self.token or self.user)


def _what_is_wrong(value: str) -> str | None:
    if value.endswith(("\r", "\n")):
        return "ends with a line break (\\r or \\n), as $(cat FILE) leaves from a Windows file"
    if any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in value):
        return "contains a control character"
    if value != value.strip():
        return "starts or ends with white space"
    return None


def from_environment(env: Mapping[str, str] | None = None) -> Credentials:
    """The credentials in ``env`` (default: ``os.environ``), or a UsageError naming the variable.

    An empty variable counts as unset. A token wins over a user and password.
    """
    env = os.environ if env is None else env
    token, user, password = (env.get(v) or None for v in (ENV_TOKEN, ENV_USER, ENV_PASSWORD))
    for name, value in ((ENV_TOKEN, token), (ENV_USER, user), (ENV_PASSWORD, password)):
        if value is None:
            continue
        wrong = _what_is_wrong(value)
        if wrong:
            raise UsageError(f"{name} {wrong}", hint=f"set {name} again without it, e.g. "
                             f"export {name}=\"$(tr -d '\\r\\n' < FILE)\"")
    if token is not None:
        if not _TOKEN.fullmatch(token):
            raise UsageError(f"{ENV_TOKEN} contains characters a bearer token cannot have "
                             "(letters, digits and -._~+/ then =)",
                             hint=f"check the value of {ENV_TOKEN}")
        return Credentials(token=token)
    if user is not None:
        if ":" in user:
            raise UsageError(f"{ENV_USER} contains ':', which HTTP Basic cannot carry",
                             hint=f"check the value of {ENV_USER}")
        if password is None:
            raise UsageError(f"{ENV_USER} is set but {ENV_PASSWORD} is not",
                             hint=f"set {ENV_PASSWORD} too")
        return Credentials(user=user, password=password)
    if password is not None:
        raise UsageError(f"{ENV_PASSWORD} is set but {ENV_USER} is not",
                         hint=f"set {ENV_USER} too")
    return Credentials()


def shown(url: str) -> str:
    """``url`` as it may appear in a message: any user information replaced by ``***``,
    and control characters escaped."""
    text = url or ""
    try:
        parts = urllib.parse.urlsplit(text)
        if "@" in parts.netloc:
            host = parts.netloc.rpartition("@")[2]
            text = urllib.parse.urlunsplit(parts._replace(netloc="***@" + host))
    except ValueError:
        text = re.sub(r"//[^/@]*@", "//***@", text)
    return printable(text)


def printable(text: str) -> str:
    """``text`` with control, bidirectional and zero-width characters escaped (``\\x1b``)."""
    return "".join(c if c.isprintable() and c not in _INVISIBLE else
                   c.encode("unicode_escape").decode("ascii") for c in text)


_INVISIBLE = frozenset("\u200b\u200c\u200d\u200e\u200f\u2060\ufeff"
                       "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def refuse_userinfo(url: str, option: str = "--endpoint") -> None:
    """A URL with a user name or password in it is refused (exit 2), shown redacted."""
    try:
        netloc = urllib.parse.urlsplit(url).netloc
    except ValueError:
        return  # not a URL at all: the caller's check says so
    if "@" in netloc:
        raise UsageError(f"{option} {shown(url)} has a user name or password in it",
                         hint=f"put them in {ENV_USER} and {ENV_PASSWORD} (or {ENV_TOKEN}): "
                              "a URL shows in process lists and messages")
