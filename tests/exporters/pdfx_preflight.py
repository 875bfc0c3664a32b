"""A PDF/X preflight on pikepdf: every rule the poster's print_standard promises.

Returns the list of problems (empty when the file passes), so a test shows all of
them at once. Rules (ISO 15930-4 for X-1a:2003, ISO 15930-7 for X-4, the parts a
poster can break):

- header version: X-1a at most 1.4, X-4 at least 1.6; no encryption; a trailer /ID;
- Info: GTS_PDFXVersion (and GTS_PDFXConformance for X-1a), Trapped True or False,
  Title, CreationDate and ModDate;
- XMP: the same version key, pdf:Trapped, dc:title equal to the Info Title; for X-4
  also xmpMM:DocumentID and xmpMM:RenditionClass;
- one GTS_PDFX output intent with an OutputConditionIdentifier, a RegistryName and
  an embedded CMYK output profile (ICC device class ``prtr``, colour space ``CMYK``);
- every page: TrimBox inside BleedBox inside MediaBox;
- every font embedded (FontFile, FontFile2 or FontFile3), every subset tag distinct;
- colour: no RGB anywhere in page content (rg, RG, DeviceRGB colour spaces);
- transparency: no soft masks, no transparency groups, no constant alpha below 1,
  no blend mode other than Normal (checked for X-4 as well: the poster needs none).
"""

from __future__ import annotations

import io
import re
from typing import Any

import pikepdf

NS = {
    "pdf": "http://ns.adobe.com/pdf/1.3/",
    "pdfx": "http://ns.adobe.com/pdfx/1.3/",
    "pdfxid": "http://www.npes.org/pdfx/ns/id/",
}
TAG = re.compile(r"^/?([A-Z]{6})\+")


def preflight(data: bytes, standard: str) -> list[str]:
    problems: list[str] = []
    pdf = pikepdf.open(io.BytesIO(data))
    version = tuple(int(p) for p in pdf.pdf_version.split("."))
    if standard == "pdf/x-1a" and version > (1, 4):
        problems.append(f"X-1a needs PDF 1.4 at most, file is {pdf.pdf_version}")
    if standard == "pdf/x-4" and version < (1, 6):
        problems.append(f"X-4 needs PDF 1.6 at least, file is {pdf.pdf_version}")
    if pdf.is_encrypted:
        problems.append("encrypted")
    if "/ID" not in pdf.trailer:
        problems.append("no trailer /ID")

    info = pdf.docinfo
    want_version = {"pdf/x-1a": "PDF/X-1:2003", "pdf/x-4": "PDF/X-4"}[standard]
    if str(info.get("/GTS_PDFXVersion", "")) != want_version:
        problems.append(f"Info GTS_PDFXVersion is {info.get('/GTS_PDFXVersion')!r}")
    if standard == "pdf/x-1a" and str(info.get("/GTS_PDFXConformance", "")) != "PDF/X-1a:2003":
        problems.append("Info GTS_PDFXConformance is not PDF/X-1a:2003")
    trapped = info.get("/Trapped")
    if not isinstance(trapped, pikepdf.Name) or str(trapped) not in ("/True", "/False"):
        problems.append(f"Info Trapped must be /True or /False, not {trapped!r}")
    for key in ("/Title", "/CreationDate", "/ModDate"):
        if not str(info.get(key, "")):
            problems.append(f"Info {key} missing")

    xmp = pdf.open_metadata()
    xmp_version_key = "pdfxid" if standard == "pdf/x-4" else "pdfx"
    if xmp.get(f"{{{NS[xmp_version_key]}}}GTS_PDFXVersion") != want_version:
        problems.append(f"XMP {xmp_version_key}:GTS_PDFXVersion is not {want_version}")
    if trapped is not None and xmp.get(f"{{{NS['pdf']}}}Trapped") != str(trapped).lstrip("/"):
        problems.append("XMP pdf:Trapped does not match Info")
    if xmp.get("dc:title") != str(info.get("/Title", "")):
        problems.append("XMP dc:title does not match the Info Title")
    if standard == "pdf/x-4":
        for key in ("xmpMM:DocumentID", "xmpMM:RenditionClass"):
            if not xmp.get(key):
                problems.append(f"XMP {key} missing")

    intents = [i for i in pdf.Root.get("/OutputIntents", []) if i.get("/S") == "/GTS_PDFX"]
    if len(intents) != 1:
        problems.append(f"{len(intents)} GTS_PDFX output intents, want 1")
    for intent in intents:
        for key in ("/OutputConditionIdentifier", "/RegistryName"):
            if not str(intent.get(key, "")):
                problems.append(f"output intent {key} missing")
        profile = intent.get("/DestOutputProfile")
        if profile is None:
            problems.append("output intent has no embedded profile")
        else:
            header = profile.read_bytes()[:20]
            if header[12:16] != b"prtr" or header[16:20] != b"CMYK":
                problems.append(f"output profile is not a CMYK printer profile: {header[12:20]!r}")
            if int(profile.get("/N", 0)) != 4:
                problems.append("output profile /N is not 4")

    tags: list[str] = []
    for number, page in enumerate(pdf.pages, start=1):
        problems += _boxes(page, number)
        problems += _fonts(page, number, tags)
        problems += _content(page, number)
        problems += _transparency(page, number)
    duplicates = sorted({t for t in tags if tags.count(t) > 1})
    if duplicates:
        problems.append(f"subset tags used by more than one font: {duplicates}")
    return problems


def _box(page: Any, name: str) -> tuple[float, ...] | None:
    value = page.obj.get(name)
    return tuple(float(v) for v in value) if value is not None else None


def _inside(inner: tuple[float, ...], outer: tuple[float, ...]) -> bool:
    return (
        inner[0] >= outer[0] - 1e-3
        and inner[1] >= outer[1] - 1e-3
        and inner[2] <= outer[2] + 1e-3
        and inner[3] <= outer[3] + 1e-3
    )


def _boxes(page: Any, number: int) -> list[str]:
    media, bleed, trim = (_box(page, n) for n in ("/MediaBox", "/BleedBox", "/TrimBox"))
    if trim is None:
        return [f"page {number}: no TrimBox"]
    out = []
    if bleed is not None and not _inside(trim, bleed):
        out.append(f"page {number}: TrimBox outside the BleedBox")
    if media is not None and not _inside(bleed or trim, media):
        out.append(f"page {number}: BleedBox outside the MediaBox")
    return out


def _fonts(page: Any, number: int, tags: list[str]) -> list[str]:
    out = []
    fonts = page.obj.get("/Resources", {}).get("/Font", {})
    for name, font in fonts.items():
        base = str(font.get("/BaseFont", ""))
        descendants = font.get("/DescendantFonts")
        described = descendants[0] if descendants is not None else font
        descriptor = described.get("/FontDescriptor")
        files = {"/FontFile", "/FontFile2", "/FontFile3"} & set(
            descriptor.keys() if descriptor else []
        )
        if not files:
            out.append(f"page {number}: font {name} ({base}) is not embedded")
        match = TAG.match(base)
        if match is None:
            out.append(f"page {number}: font {name} ({base}) has no subset tag")
        else:
            tags.append(match.group(1))
    return out


RGB_OPERATORS = {"rg", "RG"}


def _content(page: Any, number: int) -> list[str]:
    out = []
    colour_spaces = page.obj.get("/Resources", {}).get("/ColorSpace", {})
    for name, space in colour_spaces.items():
        if "DeviceRGB" in str(space) or "CalRGB" in str(space):
            out.append(f"page {number}: RGB colour space {name}")
    for operands, operator in pikepdf.parse_content_stream(page):
        op = str(operator)
        if op in RGB_OPERATORS:
            out.append(f"page {number}: RGB colour ({op} {[float(o) for o in operands]})")
        if op in ("cs", "CS") and operands and str(operands[0]) == "/DeviceRGB":
            out.append(f"page {number}: DeviceRGB colour space")
        if op == "Do":
            out.append(f"page {number}: an XObject ({operands[0]}), not expected on a poster")
    return out


def _transparency(page: Any, number: int) -> list[str]:
    out = []
    group = page.obj.get("/Group")
    if group is not None and group.get("/S") == "/Transparency":
        out.append(f"page {number}: transparency group")
    states = page.obj.get("/Resources", {}).get("/ExtGState", {})
    for name, state in states.items():
        if state.get("/SMask") not in (None, pikepdf.Name.None_):
            out.append(f"page {number}: soft mask in {name}")
        for key in ("/CA", "/ca"):
            if key in state and float(state[key]) < 1:
                out.append(f"page {number}: alpha {key} < 1 in {name}")
        if str(state.get("/BM", "/Normal")) not in ("/Normal", "/Compatible"):
            out.append(f"page {number}: blend mode {state.get('/BM')} in {name}")
    return out
