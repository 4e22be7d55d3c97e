"""Translations: gettext catalogs under ``locales/`` and the locale of the current update.

Every user-facing string goes through ``_()`` (or ``ngettext``). The locale is a context
variable: the user middleware sets it for each update, background work (progress messages)
sets it with ``use_locale`` from the job owner's language. ``N_()`` marks strings that are
translated later (labels defined at import time).

Rebuild the catalogs after changing strings: ``python -m bot.telegram.i18n_build``.
"""

from __future__ import annotations

import contextlib
import gettext as _gettext
from collections.abc import Iterator
from contextvars import ContextVar
from functools import cache
from pathlib import Path

__all__ = [
    "DEFAULT_LOCALE",
    "LOCALES",
    "LOCALES_DIR",
    "N_",
    "_",
    "current_locale",
    "gettext",
    "locale_for",
    "ngettext",
    "use_locale",
]

# an installed wheel carries the catalogs inside the package; a source checkout has them at the top
_PACKAGED_LOCALES = Path(__file__).resolve().parent / "locales"
LOCALES_DIR = (
    _PACKAGED_LOCALES
    if _PACKAGED_LOCALES.is_dir()
    else Path(__file__).resolve().parents[2] / "locales"
)
DOMAIN = "messages"
DEFAULT_LOCALE = "en"
LOCALES = ("en", "zh_CN")
# Telegram language codes (IETF tags) -> catalog
_LANGUAGE_PREFIXES = (("zh", "zh_CN"), ("en", "en"))

_current: ContextVar[str] = ContextVar("telegram_locale", default=DEFAULT_LOCALE)


@cache
def _catalog(locale: str) -> _gettext.NullTranslations:
    try:
        return _gettext.translation(DOMAIN, localedir=LOCALES_DIR, languages=[locale])
    except FileNotFoundError:
        return _gettext.NullTranslations()


def locale_for(language_code: str | None) -> str:
    """The catalog for a Telegram ``language_code`` (``zh-hans`` -> ``zh_CN``)."""
    if language_code:
        code = language_code.lower().replace("_", "-")
        for prefix, locale in _LANGUAGE_PREFIXES:
            if code == prefix or code.startswith(prefix + "-"):
                return locale
    return DEFAULT_LOCALE


def current_locale() -> str:
    return _current.get()


@contextlib.contextmanager
def use_locale(locale: str) -> Iterator[None]:
    """Translate into ``locale`` inside the block."""
    token = _current.set(locale if locale in LOCALES else DEFAULT_LOCALE)
    try:
        yield
    finally:
        _current.reset(token)


def set_locale(locale: str) -> None:
    """Set the locale for the rest of the current context (one update's handling)."""
    _current.set(locale if locale in LOCALES else DEFAULT_LOCALE)


def gettext(message: str) -> str:
    return _catalog(_current.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _catalog(_current.get()).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark ``message`` for extraction; translate it later with ``_()``."""
    return message


_ = gettext
