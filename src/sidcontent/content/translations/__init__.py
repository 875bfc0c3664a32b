"""Translators' side of the content: coverage per locale, and round trips
through XLIFF 1.2 and Gettext PO files (written and read with translate-toolkit).

- :mod:`.units`: the translatable fields of a campaign, one unit each;
- :mod:`.coverage`: per locale, what is translated, missing or stale;
- :mod:`.files`: units to and from XLIFF and PO;
- :mod:`.importing`: a translated file applied as edits (with revisions).
"""
