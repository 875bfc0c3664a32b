"""The HTML part: Jinja2 templates (autoescaped), then css-inline.

The templates are package data; the environment is built once per process.
"""

from __future__ import annotations

from functools import cache

import css_inline
from jinja2 import Environment, PackageLoader, StrictUndefined

from sidcontent.exporters.newsletter.document import Newsletter

# Invisible characters after the preheader, so a client's inbox preview stops
# there instead of pulling in the greeting and the first headline.
PREHEADER_FILLER = "\u034f\u200c\u00a0" * 60


@cache
def environment() -> Environment:
    return Environment(
        loader=PackageLoader("sidcontent.exporters.newsletter", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )


@cache
def _inliner() -> css_inline.CSSInliner:
    # The @media block is marked data-css-inline="keep" in the template and
    # stays where it is, after <meta charset>; every other rule becomes style
    # attributes. Never fetch anything: content must not make the exporter
    # load a stylesheet.
    return css_inline.CSSInliner(load_remote_stylesheets=False, minify_css=True)


def render_template(newsletter: Newsletter) -> str:
    """The HTML document before inlining: styles still in a <style> block."""
    return (
        environment()
        .get_template("newsletter.html.j2")
        .render(
            newsletter=newsletter, colours=newsletter.colours, preheader_filler=PREHEADER_FILLER
        )
    )


def inline_css(html: str) -> str:
    return _inliner().inline(html)


def render_html(newsletter: Newsletter) -> str:
    """The complete HTML document, every style inline."""
    return inline_css(render_template(newsletter))
