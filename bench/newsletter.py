"""Newsletter benchmark: milliseconds per digest snippet, stage by stage.

    .venv/bin/python bench/newsletter.py [--rounds 200] [--campaign sid-2017]

Loads the seed content into a throwaway SQLite database, fetches the
campaign's bundle for each of its locales through the HTTP read API (as an
exporter receives it), then renders digests through the plugin hook, timing
each stage separately and the whole export. Stages are interleaved round by
round so that they share the machine's noise; medians and shares of the
total are printed side by side. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sidcontent import create_app
from sidcontent.content import fixtures
from sidcontent.exporters.newsletter.document import build
from sidcontent.exporters.newsletter.eml import render_eml
from sidcontent.exporters.newsletter.html import inline_css, render_html, render_template
from sidcontent.exporters.newsletter.markdown import render_markdown
from sidcontent.exporters.newsletter.text import render_text
from sidcontent.exporting import ContentBundle, ExportContext
from sidcontent.plugins import PluginHost

ROOT = Path(__file__).resolve().parent.parent


def bundles(campaign: str, directory: Path) -> dict[str, ContentBundle]:
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{directory / 'bench.sqlite3'}",
            "SECRET_KEY": "bench",
            "INSTANCE_PATH": str(directory),
        }
    )
    database = app.extensions["sidcontent.db"]
    database.upgrade()
    with database.session() as session:
        fixtures.load(session, ROOT / "fixtures")
    client = app.test_client()
    first = client.get(f"/api/v1/campaigns/{campaign}/bundle").get_json()["data"]
    locales = first["campaign"]["available_locales"]
    result = {}
    for locale in locales:
        data = client.get(f"/api/v1/campaigns/{campaign}/bundle?locale={locale}").get_json()
        result[locale] = ContentBundle.from_api(data["data"])
    database.dispose()
    return result


def timed(function: Callable[[], Any]) -> float:
    start = time.perf_counter()
    function()
    return (time.perf_counter() - start) * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=50, help="rounds per locale (default 50)")
    parser.add_argument("--campaign", default="sid-2017")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        by_locale = bundles(args.campaign, Path(tmp))
    exporter = (
        PluginHost(builtins=("sidcontent.exporters.newsletter",)).exporters["newsletter"].item
    )
    schema = exporter.options_schema()
    editions = {
        "full digest": schema.load({"max_messages": 50, "max_resources": 50}),
        "parents digest": schema.load({"audiences": ["parents-carers"]}),
    }
    first = next(iter(by_locale.values()))
    print(
        f"{args.campaign}: {len(first.messages)} messages, {len(first.resources)} resources, "
        f"locales {', '.join(by_locale)}; {args.rounds} rounds per locale; "
        f"Python {sys.version.split()[0]}"
    )

    for name, options in editions.items():
        samples: dict[str, list[float]] = {}
        sizes = []
        for _ in range(args.rounds):
            for bundle in by_locale.values():
                newsletter = build(bundle, options)
                raw = render_template(newsletter)
                html = render_html(newsletter)
                text = render_text(newsletter)
                stages = {
                    "build (select, clean, links)": lambda b=bundle, o=options: build(b, o),
                    "Jinja2 render": lambda n=newsletter: render_template(n),
                    "css-inline": lambda r=raw: inline_css(r),
                    "plain text": lambda n=newsletter: render_text(n),
                    "markdown": lambda n=newsletter: render_markdown(n),
                    ".eml (email package)": lambda n=newsletter, t=text, h=html, o=options: (
                        render_eml(n, t, h, o)
                    ),
                    "whole export, JSON": lambda b=bundle, o=options: exporter.export(
                        b, o, ExportContext("application/json")
                    ),
                    "whole export, HTML only": lambda b=bundle, o=options: exporter.export(
                        b, o, ExportContext("text/html")
                    ),
                }
                for stage, function in stages.items():
                    samples.setdefault(stage, []).append(timed(function))
                sizes.append(len(html.encode()))
        total = statistics.median(samples["whole export, JSON"])
        print(f"\n{name}: HTML {min(sizes):,}-{max(sizes):,} bytes (Gmail clips at ~102 KB)")
        print(f"  {'stage':32} {'median ms':>10} {'p95 ms':>8} {'of JSON export':>15}")
        for stage, values in samples.items():
            values.sort()
            median = statistics.median(values)
            p95 = values[int(len(values) * 0.95) - 1]
            print(f"  {stage:32} {median:10.3f} {p95:8.3f} {median / total:14.0%}")
        print(
            f"  => {total:.2f} ms per {name} snippet (all five parts), "
            f"{1000 / total:.0f} per second on one core"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
