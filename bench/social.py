"""Benchmark the social exporter on the largest seed campaign.

Every message of the seed campaign with the most messages, for every
registered platform, read through the HTTP API like a client would; then a
share image of each size for every message. Prints, from one run: the time
per post (cold, with empty counting caches, and warm), per part, and per
image, so the figures compare with each other rather than with another
machine. Not a test: nothing is asserted.

    .venv/bin/python bench/social.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from sidcontent import create_app
from sidcontent.content import fixtures
from sidcontent.exporters.social import counting
from sidcontent.exporting import ContentBundle, ExportContext
from sidcontent.plugins import PluginHost

ROOT = Path(__file__).resolve().parent.parent


def largest_campaign() -> str:
    messages = json.loads((ROOT / "fixtures" / "messages.json").read_text("utf-8"))
    counts: dict[str, int] = {}
    for message in messages:
        if message.get("status") == "published":
            counts[message["campaign"]] = counts.get(message["campaign"], 0) + 1
    return max(counts, key=lambda slug: counts[slug])


def load_bundle(slug: str, locale: str, tmp: Path) -> ContentBundle:
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{tmp / 'bench.sqlite3'}",
            "SECRET_KEY": "bench",
            "INSTANCE_PATH": str(tmp / "instance"),
        }
    )
    database = app.extensions["sidcontent.db"]
    database.upgrade()
    with database.session() as session:
        fixtures.load(session, ROOT / "fixtures")
    response = app.test_client().get(f"/api/v1/campaigns/{slug}/bundle?locale={locale}")
    database.dispose()
    return ContentBundle.from_api(response.get_json()["data"])


def clear_caches() -> None:
    counting.x_weighted_length.cache_clear()
    counting.mastodon_length.cache_clear()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--locale", default="en")
    args = parser.parse_args()

    slug = largest_campaign()
    with tempfile.TemporaryDirectory() as tmp:
        bundle = load_bundle(slug, args.locale, Path(tmp))
    host = PluginHost(builtins=("sidcontent.exporters.social",))
    social = host.exporters["social"].item
    platforms = {name: r.item for name, r in host.social_platforms.items()}
    options = social.options_schema().load({})

    def run(media_type: str, opts: dict | None = None) -> tuple[float, object]:
        start = time.perf_counter()
        artifact = social.export(bundle, opts or options, ExportContext(media_type, platforms))
        return time.perf_counter() - start, artifact

    clear_caches()
    cold, artifact = run("application/json")
    posts, parts = artifact.metadata["posts"], artifact.metadata["parts"]
    warm = []
    cold_runs = [cold]
    for _ in range(args.repeat):
        warm.append(run("application/json")[0])
        clear_caches()
        cold_runs.append(run("application/json")[0])
    csv_time = statistics.median(run("text/csv")[0] for _ in range(args.repeat))
    shorten = social.options_schema().load({"mode": "shorten"})
    shorten_time = statistics.median(
        (clear_caches(), run("application/json", shorten)[0])[1] for _ in range(args.repeat)
    )

    image_times: dict[str, list[float]] = {"card": [], "square": []}
    for message in bundle.messages:
        for size in image_times:
            opts = social.options_schema().load({"messages": [message.id], "image_sizes": [size]})
            image_times[size].append(run("image/png", opts)[0])

    print(
        f"campaign {slug} ({args.locale}): {len(bundle.messages)} messages x "
        f"{len(platforms)} platforms = {posts} posts, {parts} parts"
    )
    print(f"{'what':<34}{'total ms':>10}{'per post ms':>13}{'per part ms':>13}")
    rows = [
        ("JSON, thread, cold caches (median)", statistics.median(cold_runs)),
        ("JSON, thread, warm caches (median)", statistics.median(warm)),
        ("JSON, shorten, cold caches (median)", shorten_time),
        ("CSV, thread, warm caches (median)", csv_time),
    ]
    for name, seconds in rows:
        print(
            f"{name:<34}{seconds * 1e3:>10.1f}{seconds / posts * 1e3:>13.2f}"
            f"{seconds / parts * 1e3:>13.2f}"
        )
    print(f"{'image':<34}{'images':>10}{'median ms':>13}{'max ms':>13}")
    for size, times in image_times.items():
        print(
            f"{'PNG ' + size:<34}{len(times):>10}{statistics.median(times) * 1e3:>13.1f}"
            f"{max(times) * 1e3:>13.1f}"
        )
    per_post = statistics.median(cold_runs) / posts
    per_image = statistics.median(image_times["card"] + image_times["square"])
    print(f"one image costs as much as {per_image / per_post:.0f} posts (cold)")


if __name__ == "__main__":
    main()
