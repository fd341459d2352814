"""The course's colours, in one place: the plots (nnlib.plots) and the explorers use these.

Colour never carries meaning alone: every series is also told apart by its line style or its
marker (``SERIES``). The colours themselves are Okabe and Ito's colour-blind-safe palette
without its light members (orange, sky blue, yellow), so that each one stands out from a white
background by at least 3:1 (WCAG 2.1, 1.4.11, non-text contrast); text in colour uses
``TEXT_ALERT`` (at least 4.5:1, 1.4.3). tests/test_palette.py measures both contrasts, and how
far apart the colours stay under simulated protanopia, deuteranopia and tritanopia.

Pure Python: importing it draws nothing and needs neither matplotlib nor numpy.
"""

BLUE = "#0072B2"
VERMILLION = "#D55E00"
GREEN = "#009E73"       # Okabe and Ito's "bluish green"
PURPLE = "#CC79A7"      # "reddish purple"
BLACK = "#000000"
COLOURS = (BLUE, VERMILLION, GREEN, PURPLE, BLACK)  # the order series take them in

# Each series: a colour, a line style and a marker, all three different from every other series.
LINESTYLES = ("-", "--", "-.", ":", (0, (5, 1, 1, 1, 1, 1)))
MARKERS = ("o", "s", "^", "D", "v")
SERIES = tuple(zip(COLOURS, LINESTYLES, MARKERS))

TEXT_ALERT = "#A84300"  # a dark vermillion for warning text: 6.1:1 on white
GUIDE = "#737373"       # grey reference lines that carry meaning: 4.7:1 on white
BACKGROUND_LINE = "#CCCCCC"  # grey axes at zero: decoration only

# Two classes (the playground, decision boundaries): blue circles and vermillion triangles, on
# regions shaded between the same two colours.
CLASS_COLOURS = (BLUE, VERMILLION)
CLASS_MARKERS = ("o", "^")


def series_style(k):
    """{"color", "linestyle", "marker"} of the k-th series (k ≥ 0; after five they repeat)."""
    colour, linestyle, marker = SERIES[k % len(SERIES)]
    return {"color": colour, "linestyle": linestyle, "marker": marker}


def relative_luminance(colour):
    """WCAG 2.1's relative luminance of an "#RRGGBB" colour (0 for black, 1 for white)."""
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(foreground, background="#FFFFFF"):
    """WCAG 2.1's contrast ratio (L_light + 0.05) / (L_dark + 0.05), from 1 to 21."""
    light, dark = sorted((relative_luminance(foreground), relative_luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)
