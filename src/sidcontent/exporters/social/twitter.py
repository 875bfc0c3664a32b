"""twitter-text (the ``twitter-text-parser`` distribution), loaded on first use.

Two reasons not to import it at the top of a module. It costs about 12 MB
and half a second, which a process serving reads should never pay. And its
``twitter_text.regexp.emoji`` reads its emoji list with
``pkg_resources.resource_string``: ``pkg_resources`` belongs to setuptools,
which the package does not declare, Python 3.12's venvs no longer contain,
and setuptools 81 removed; importing it from older setuptools is slow and,
from 67.5 on, a deprecation warning. So while twitter-text imports, a
stand-in ``pkg_resources`` that reads package data through
:mod:`importlib.resources` takes its place (the one function it calls),
and is gone again afterwards, so no one else ever sees the stand-in.
"""

from __future__ import annotations

import functools
import importlib
import importlib.resources
import importlib.util
import sys
import threading
from types import ModuleType

_LOCK = threading.Lock()


def _resource_string(module: str, name: str) -> bytes:
    # pkg_resources takes a module's name (twitter-text passes its own) and
    # reads beside it; importlib.resources wants the package it is in.
    spec = importlib.util.find_spec(module)
    is_package = spec is not None and spec.submodule_search_locations is not None
    package = module if is_package else module.rpartition(".")[0]
    return importlib.resources.files(package).joinpath(name).read_bytes()


@functools.cache
def twitter_text() -> ModuleType:
    """The ``twitter_text`` module, imported once without needing setuptools."""
    with _LOCK:
        if "pkg_resources" in sys.modules or "twitter_text" in sys.modules:
            # Someone already paid for pkg_resources (or twitter-text): use it.
            return importlib.import_module("twitter_text")
        stand_in = ModuleType("pkg_resources", "Stand-in: twitter-text's one call, no setuptools.")
        stand_in.resource_string = _resource_string  # type: ignore[attr-defined]
        sys.modules["pkg_resources"] = stand_in
        try:
            return importlib.import_module("twitter_text")
        finally:
            if sys.modules.get("pkg_resources") is stand_in:
                del sys.modules["pkg_resources"]
