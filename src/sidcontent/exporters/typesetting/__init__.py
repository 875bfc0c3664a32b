"""Typesetting shared by the exporters (and plugins): fonts per script, bidi, line
breaks, HarfBuzz shaping (:mod:`.text`), and PDF pages with embedded subset fonts
(:mod:`.pdf`)."""
