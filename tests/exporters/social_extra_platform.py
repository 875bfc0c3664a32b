"""A third party's plugin adding a network through the public hook only.

It subclasses the contract's SocialPlatform, not the built-in helper class,
and defines none of the optional rules: the exporter must use defaults.
"""

from __future__ import annotations

from sidcontent.exporting import SocialPlatform
from sidcontent.hookspecs import hookimpl


class Tiny(SocialPlatform):
    name = "tiny"
    title = "Tiny"
    limit = 60
    alt_text_limit = 100

    def count(self, text: str) -> int:
        return len(text)  # code points


@hookimpl
def register_social_platforms(register):
    register(Tiny())
