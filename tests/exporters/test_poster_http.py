"""A poster through the HTTP export API, as a marketer would ask for one."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from tests.pluginkit import marketer_client, plugin_app

HEADLINE_FR = "Sois le changement : unissons-nous pour un meilleur Internet"
TRACKED_HOME = (
    "https://www.saferinternetday.org/?utm_source=poster&utm_medium=print&utm_campaign=sid-2017"
)


@pytest.fixture(scope="module")
def marketer(tmp_path_factory):
    # No drop-in plugins: the poster exporter is built in.
    with plugin_app(tmp_path_factory.mktemp("poster-http"), {}) as app:
        yield marketer_client(app)


def export(client, **body):
    return client.post(
        "/api/v1/exports", json={"exporter": "poster", "campaign": "sid-2017", **body}
    )


def test_a3_poster_with_bleed_in_french(marketer, read_poster):
    response = export(marketer, locale="fr", options={"size": "A3", "bleed": True})
    assert response.status_code == 201, response.get_json()
    record = response.get_json()["data"]
    assert (record["exporter"], record["plugin"]) == ("poster", "sidcontent.exporters.poster")
    assert record["media_type"] == "application/pdf"
    assert record["options"]["size"] == "A3" and record["options"]["layout"] == "headline"
    assert record["artifact"]["filename"] == "sid-2017-fr-headline-A3-portrait-bleed.pdf"
    assert record["artifact"]["metadata"]["qr_url"] == TRACKED_HOME

    with marketer.get(record["artifact"]["url"]) as download:  # a file response: close it
        assert download.status_code == 200
        assert download.mimetype == "application/pdf"
        poster = read_poster(download.data)
    assert HEADLINE_FR in poster.text()
    tx0, ty0, tx1, ty1 = poster.box("/TrimBox")
    assert (round((tx1 - tx0) * 25.4 / 72), round((ty1 - ty0) * 25.4 / 72)) == (297, 420)
    assert [c.text for c in poster.qr_codes(scale=1.5)] == [TRACKED_HOME]


def test_png_preview_over_http(marketer):
    response = export(marketer, locale="en", media_type="image/png", options={"preview_width": 600})
    assert response.status_code == 201, response.get_json()
    with marketer.get(response.get_json()["data"]["artifact"]["url"]) as download:
        assert download.mimetype == "image/png"
        assert Image.open(io.BytesIO(download.data)).width == 600


def test_text_the_font_cannot_draw_is_a_422_naming_the_field(marketer):
    response = export(marketer, locale="fr", options={"partner": "Партнёр 🚀"})
    assert response.status_code == 422, response.get_json()
    problem = response.get_json()
    assert response.mimetype == "application/problem+json"
    assert "U+1F680" in problem["detail"]
    assert list(problem["errors"]) == ["options"]
    assert list(problem["errors"]["options"]) == ["partner"]


def test_a_headline_that_cannot_fit_is_a_422_naming_the_field(marketer):
    # Tips on a landscape sheet with more messages than fit.
    response = export(
        marketer,
        locale="en",
        options={"layout": "tips", "orientation": "landscape", "messages": list(range(1, 9))},
    )
    assert response.status_code == 422, response.get_json()
    assert list(response.get_json()["errors"]["options"]) == ["messages"]


def test_bad_options_are_refused_before_running(marketer):
    response = export(marketer, options={"size": "B5", "orientation": "diagonal"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "size" in body and "orientation" in body


def test_exports_need_a_token(marketer):
    anonymous = marketer.application.test_client()
    response = anonymous.post(
        "/api/v1/exports", json={"exporter": "poster", "campaign": "sid-2017"}
    )
    assert response.status_code == 401
