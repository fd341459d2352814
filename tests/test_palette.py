"""The course's colours: contrast on white (WCAG 2.1) and distinct under colour-vision deficiencies.

A deficiency is simulated with Machado, Oliveira and Fernandes' (2009) matrices at full severity,
applied to linear RGB; distances are CIE76 ΔE in CIELAB (D65). Two colours whose ΔE is below
about 10 are hard to tell apart; matplotlib's default green and red (tab:green, tab:red), the pair
notebooks 01 and 06 used to draw, are 7 apart under deuteranopia.
"""

import itertools

import numpy as np
import pytest

from nnlib import palette

SIMULATIONS = {
    "protanopia": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]],
    "deuteranopia": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]],
    "tritanopia": [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.303900]],
}
TELLS_APART = 15.0  # ΔE: clearly different at a glance (the old green/red pair: 7)


def linear_rgb(colour):
    c = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)]) / 255
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def lab(linear):
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ linear
    xyz = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 216 / 24389, np.cbrt(xyz), (24389 / 27 * xyz + 16) / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def delta_e(a, b, matrix=None):
    """ΔE between a and b as seen through ``matrix`` (None: normal vision)."""
    matrix = np.eye(3) if matrix is None else np.asarray(matrix)
    seen = [lab(np.clip(matrix @ linear_rgb(c), 0, 1)) for c in (a, b)]
    return float(np.linalg.norm(seen[0] - seen[1]))


def test_contrast_ratio_follows_wcag():
    assert palette.contrast_ratio("#000000") == pytest.approx(21.0)
    assert palette.contrast_ratio("#FFFFFF") == pytest.approx(1.0)
    assert palette.contrast_ratio("#767676") == pytest.approx(4.54, abs=0.01)  # the usual AA grey


def test_every_series_colour_and_guide_stands_3_to_1_off_white_and_text_4_5_to_1():
    for colour in palette.COLOURS + (palette.GUIDE,):
        assert palette.contrast_ratio(colour) >= 3.0, colour
    assert palette.contrast_ratio(palette.TEXT_ALERT) >= 4.5


@pytest.mark.parametrize("deficiency", SIMULATIONS)
def test_the_series_colours_stay_apart_under_each_colour_vision_deficiency(deficiency):
    for a, b in itertools.combinations(palette.COLOURS, 2):
        assert delta_e(a, b, SIMULATIONS[deficiency]) > TELLS_APART, (deficiency, a, b)


def test_the_simulation_finds_the_old_green_red_pair_alike():
    assert delta_e("#2ca02c", "#d62728") > 100  # far apart to normal vision
    assert delta_e("#2ca02c", "#d62728", SIMULATIONS["deuteranopia"]) < 10


def test_every_series_has_its_own_colour_line_style_and_marker():
    styles = [palette.series_style(k) for k in range(len(palette.SERIES))]
    for key in ("color", "linestyle", "marker"):
        values = [repr(s[key]) for s in styles]
        assert len(set(values)) == len(values), key
    assert palette.series_style(len(palette.SERIES)) == styles[0]
    assert palette.CLASS_MARKERS[0] != palette.CLASS_MARKERS[1]
