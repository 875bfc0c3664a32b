"""Print-shop PDF: PDF/X-4 and PDF/X-1a (``print_standard``), metadata for every poster.

A print shop's preflight asks for: a CMYK output intent naming a registered
printing condition, with its ICC profile embedded; every colour in CMYK (X-1a
allows nothing else, X-4 gets the same so that both print alike); no
transparency; ``GTS_PDFXVersion`` and ``Trapped`` in the Info dictionary and
the same facts in XMP; a TrimBox on the page (the layout sets it). The
printing condition is SWOP (CGATS TR 001, registered at color.org), with
Ghostscript's SWOP profile from Debian's ``libgs-common``; colours go from
sRGB to it through LittleCMS (Pillow's ImageCms).
"""

from __future__ import annotations

import functools
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

import pikepdf
from PIL import Image, ImageCms

from sidcontent.exporters.poster.layout import Metadata
from sidcontent.exporting import ExportError

STANDARDS = ("none", "pdf/x-4", "pdf/x-1a")
PROFILE = Path("/usr/share/color/icc/ghostscript/default_cmyk.icc")
PROFILE_PACKAGE = "the Debian package libgs-common"
CONDITION = {
    "OutputConditionIdentifier": "CGATS TR 001",
    "OutputCondition": "SWOP (Publication) Grade 1 paper, coated",
    "RegistryName": "http://www.color.org",
    "Info": "U.S. Web Coated (SWOP), Artifex CMYK SWOP Profile",
}
PDFX_VERSION = {"pdf/x-4": "PDF/X-4", "pdf/x-1a": "PDF/X-1:2003"}
PDFX_CONFORMANCE = {"pdf/x-1a": "PDF/X-1a:2003"}
NS_PDFXID = "http://www.npes.org/pdfx/ns/id/"
NS_PDFX = "http://ns.adobe.com/pdfx/1.3/"


@functools.cache
def _profile_bytes() -> bytes:
    try:
        return PROFILE.read_bytes()
    except OSError:
        raise ExportError(
            f"print_standard needs the CMYK profile {PROFILE}: install {PROFILE_PACKAGE}",
            field="print_standard",
        ) from None


@functools.cache
def _transform() -> ImageCms.ImageCmsTransform:
    import io

    cmyk = ImageCms.ImageCmsProfile(io.BytesIO(_profile_bytes()))
    srgb = ImageCms.createProfile("sRGB")
    return ImageCms.buildTransform(
        srgb, cmyk, "RGB", "CMYK", renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC
    )


@functools.lru_cache(maxsize=256)
def to_cmyk(hex_colour: str) -> tuple[float, float, float, float]:
    """The theme's sRGB colour in the press's CMYK, through the output intent's profile.
    Pure black and white stay one ink and none: text and QR modules in rich black would
    blur at the slightest misregistration."""
    colour = hex_colour.upper()
    if colour == "#000000":
        return (0.0, 0.0, 0.0, 1.0)
    if colour == "#FFFFFF":
        return (0.0, 0.0, 0.0, 0.0)
    rgb = tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))
    pixel = ImageCms.applyTransform(Image.new("RGB", (1, 1), rgb), _transform())
    assert pixel is not None
    values = pixel.getpixel((0, 0))
    assert isinstance(values, tuple)
    return tuple(round(v / 255, 4) for v in values)  # type: ignore[return-value]


def cmyk_colour(hex_colour: str, stroke: bool = False) -> str:
    c, m, y, k = to_cmyk(hex_colour)
    return f"{c:g} {m:g} {y:g} {k:g} {'K' if stroke else 'k'}"


def _pdf_date(moment: datetime) -> str:
    return moment.strftime("D:%Y%m%d%H%M%S+00'00'")


def describe(pdf: pikepdf.Pdf, meta: Metadata, creator: str, standard: str) -> None:
    """Info dictionary and XMP (the same facts in both), and the output intent."""
    now = datetime.now(UTC).replace(microsecond=0)
    producer = f"pikepdf {pikepdf.__version__}"
    info: dict[str, pikepdf.Object] = {
        "/Title": pikepdf.String(meta.title),
        "/Subject": pikepdf.String(meta.subject),
        "/Author": pikepdf.String(meta.author),
        "/Keywords": pikepdf.String(meta.keywords),
        "/Creator": pikepdf.String(creator),
        "/Producer": pikepdf.String(producer),
        "/CreationDate": pikepdf.String(_pdf_date(now)),
        "/ModDate": pikepdf.String(_pdf_date(now)),
    }
    if standard != "none":
        info["/Trapped"] = pikepdf.Name("/False")
        info["/GTS_PDFXVersion"] = pikepdf.String(PDFX_VERSION[standard])
        if standard in PDFX_CONFORMANCE:
            info["/GTS_PDFXConformance"] = pikepdf.String(PDFX_CONFORMANCE[standard])
    pdf.trailer.Info = pdf.make_indirect(pikepdf.Dictionary(info))

    with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as xmp:
        xmp["dc:title"] = meta.title
        xmp["dc:description"] = meta.subject
        xmp["dc:creator"] = [meta.author]
        xmp["dc:language"] = [meta.language]
        xmp["pdf:Keywords"] = meta.keywords
        xmp["pdf:Producer"] = producer
        xmp["xmp:CreatorTool"] = creator
        xmp["xmp:CreateDate"] = now.isoformat()
        xmp["xmp:ModifyDate"] = now.isoformat()
        xmp["xmp:MetadataDate"] = now.isoformat()
        if standard != "none":
            xmp["pdf:Trapped"] = "False"
            xmp["xmpMM:DocumentID"] = f"uuid:{uuid.uuid4()}"
            xmp["xmpMM:InstanceID"] = f"uuid:{uuid.uuid4()}"
            xmp["xmpMM:VersionID"] = "1"
            xmp["xmpMM:RenditionClass"] = "default"
            if standard == "pdf/x-4":
                xmp[f"{{{NS_PDFXID}}}GTS_PDFXVersion"] = PDFX_VERSION[standard]
            else:
                xmp[f"{{{NS_PDFX}}}GTS_PDFXVersion"] = PDFX_VERSION[standard]
                xmp[f"{{{NS_PDFX}}}GTS_PDFXConformance"] = PDFX_CONFORMANCE[standard]

    if standard != "none":
        profile = pdf.make_stream(_profile_bytes(), N=4)
        intent = pikepdf.Dictionary(
            Type=pikepdf.Name.OutputIntent,
            S=pikepdf.Name.GTS_PDFX,
            DestOutputProfile=profile,
        )
        for key, value in CONDITION.items():
            intent[f"/{key}"] = pikepdf.String(value)
        pdf.Root.OutputIntents = pikepdf.Array([pdf.make_indirect(intent)])


def save(pdf: pikepdf.Pdf, out: BinaryIO, standard: str) -> None:
    if standard == "pdf/x-1a":
        # PDF/X-1a:2003 is PDF 1.4: no object streams (they came with 1.5).
        pdf.save(
            out,
            force_version="1.4",
            object_stream_mode=pikepdf.ObjectStreamMode.disable,
            compress_streams=True,
        )
    else:
        pdf.save(out, min_version="1.6", compress_streams=True)
