"""The Explorer: controls, a status of one or two lines and a live picture around a small experiment.

The picture is one ``matplotlib.figure.Figure`` (not pyplot, so nothing is displayed
twice), built once; an update only moves line data, rescales and re-renders it to PNG
bytes shown by an ``ipywidgets.Image``. It is drawn at twice the pixel density it is
shown at (``CSS_DPI`` pixels per inch on the page, ``PIXEL_DENSITY`` times that in the
PNG), so it is sharp on ordinary and on high-density screens and never enlarged.

A notebook saved with the widget state (the course's JupyterLab setting ``saveState``)
and reopened without a kernel shows the last picture, and a line saying to run the cell
for the controls; that line is hidden while the kernel is connected.

Every control has an accessible name and the picture a text alternative that follows it
(``_controls.accessible``): ``describe`` says what the panels show, the summary line what
they show now.
"""

import base64
import html
import math
import struct
import time
import zlib

import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import LogLocator, MaxNLocator, NullLocator, ScalarFormatter

from ._controls import accessible

CSS_DPI = 100  # pixels per inch on the page: a 10 pt label is 14 px tall, like an inline figure
PIXEL_DENSITY = 2  # pixels in the PNG per pixel on the page
STATUS_LINE_HEIGHT = 1.45  # the status's line height, in em
STATUS_HEIGHT = f"{2 * STATUS_LINE_HEIGHT + 0.1:.2f}em"  # room for two lines: a long summary wraps, never cut

# Shown only when the widget's model is not connected to a kernel: ipywidgets then marks
# the view with the class jupyter-widgets-disconnected (a reopened notebook, a stopped kernel),
# and accessible.js marks the explorer nnlib-kernel-gone when a control is used and the kernel
# does not answer (it restarted).
REOPEN_HINT = (
    "<style>.nnlib-reopen-hint:not(.jupyter-widgets-disconnected) {display: none !important;}"
    ".nnlib-explorer.nnlib-kernel-gone .nnlib-reopen-hint {display: block !important;}</style>"
    "<b>This is the picture from the last run: its kernel is gone.</b> The controls need a running "
    "kernel: run this cell again (or Run ▸ Run All Cells) to bring them back."
)


class Explorer:
    """Controls + a live figure around a ``compute(values) -> state`` function.

    controls: dict name -> ipywidgets control (anything with a ``value``).
    compute: called with {name: value}; returns the new state dict.
    draw: called with (figure, state); moves the figure's artists to the new state
        and returns a summary of one line of text, shown above the plot (wrapped to two
        lines where the page is narrow).
    figure: a Figure from new_figure(), built once; draw() reuses it.
    dynamic_axes: the axes that rescale on an update (redrawn in full every time). The
        other axes are drawn once and kept as a bitmap; only their animated artists
        (artist.set_animated(True)) are drawn again on top. None: redraw everything.
    buttons: further widgets shown in the row of controls (play, step, reset).
    row: the widgets of the row of controls, in order, when they are not simply the controls
        followed by the buttons (a group that puts a word before its buttons, say). Each keeps its
        own width: the row wraps onto a new line instead of squeezing them.
    describe: what the picture shows, panel by panel, for a reader who cannot see it; its
        text alternative (``.alt``) is this followed by the summary of the current state.
    """

    def __init__(self, controls, compute, draw, figure, dynamic_axes=None, buttons=(), describe="", row=None):
        self.controls = dict(controls)
        self.describe = describe
        self.alt = describe
        self.figure = figure
        self.state = {}
        self.summary = ""
        self.last_update_seconds = None
        self._compute = compute
        self._draw = draw
        self._dynamic_axes = dynamic_axes
        self._background = None
        self._good_values = None
        self._restoring = False
        width, height = figure_size_px(figure)
        page_width = widgets.Layout(width=f"{width}px", max_width="100%")
        # Two lines' room, whether the summary needs one or two, so the picture never moves when it changes.
        self.status = widgets.HTML(layout=widgets.Layout(width=f"{width}px", max_width="100%",
                                                         height=STATUS_HEIGHT, overflow="hidden"))
        self.status.add_class("nnlib-status")
        self.image = widgets.Image(format="png", layout=widgets.Layout(width=f"{width}px", max_width="100%",
                                                                       height="auto"))
        self.hint = widgets.HTML(REOPEN_HINT, layout=page_width)
        self.hint.add_class("nnlib-reopen-hint")
        row = list(self.controls.values()) + list(buttons) if row is None else list(row)
        for item in row:
            item.layout.flex = "0 0 auto"  # never shrunk below its width, so no label or button is cut
        self.widget = widgets.VBox([
            self.hint,  # above the controls, where a reader of a reopened notebook looks first
            widgets.HBox(row, layout=widgets.Layout(flex_flow="row wrap", width=f"{width}px", max_width="100%")),
            self.status,
            self.image,
        ])
        self.widget.add_class("nnlib-explorer")
        self._names = accessible(self.widget, alt=self.alt)
        self.update()
        for control in self.controls.values():
            if hasattr(control, "value"):  # a button has no value: its owner listens to its clicks
                control.observe(self._on_change, names="value")

    def values(self):
        """The controls' current values, {name: value}."""
        return {name: control.value for name, control in self.controls.items() if hasattr(control, "value")}

    def update(self):
        """Recompute from the current control values, redraw, and return the state."""
        start = time.perf_counter()
        values = self.values()
        state = self._compute(values)
        self._show(state, self._draw(self.figure, state))
        self._good_values = values
        self.last_update_seconds = time.perf_counter() - start
        return state

    def set(self, **values):
        """Move several controls at once, then recompute and redraw once. Returns the state.

        Each value is checked by its control as if set alone; on a bad one nothing changes.
        """
        unknown = [name for name in values if name not in self.controls]
        if unknown:
            raise ValueError(f"{type(self).__name__}.set: unknown control {unknown[0]!r}; the controls are "
                             f"{', '.join(self.controls)}")
        old = self.values()
        self._restoring = True  # hold the observers: one update at the end
        try:
            for name, value in values.items():
                self.controls[name].value = value
        except ValueError:
            for name, value in old.items():
                self.controls[name].value = value
            raise
        finally:
            self._restoring = False
        return self.update()

    def _show(self, state, summary):
        self.image.value = self._render()
        self.summary = summary
        self.alt = f"{self.describe} Now: {summary}" if self.describe else summary
        self._names.alt = self.alt
        self.status.value = (f'<div title="{html.escape(summary)}" style="white-space: normal; '
                             f'line-height: {STATUS_LINE_HEIGHT}"><code>{html.escape(summary)}</code></div>')
        self.state = state

    def _on_change(self, change):
        if self._restoring:
            return
        try:
            self._changed(change["owner"])
        except ValueError:
            # Put the controls back where they last worked, so the plot and the
            # controls agree, then let the caller see the error.
            self._restoring = True
            try:
                for name, value in self._good_values.items():
                    self.controls[name].value = value
            finally:
                self._restoring = False
            raise

    def redraw_background(self):
        """Forget the saved bitmap of the static axes (after changing something drawn on them)."""
        self._background = None

    def _changed(self, control):
        """A control moved: recompute everything (subclasses may do less)."""
        self.update()

    def _render(self):
        """Draw the figure into its Agg buffer and return it as PNG bytes.

        Drawing only what can change keeps an update fast: the static axes come from a
        bitmap saved on the first render.
        """
        canvas = self.figure.canvas
        if getattr(self.figure, "stale_background", False):  # a static part changed (a legend, say)
            self._background, self.figure.stale_background = None, False
        if self._dynamic_axes is None:
            canvas.draw()
        else:
            if self._background is None:
                for ax in self._dynamic_axes:
                    ax.set_visible(False)
                canvas.draw()  # animated artists are left out of a full draw
                self._background = canvas.copy_from_bbox(self.figure.bbox)
                for ax in self._dynamic_axes:
                    ax.set_visible(True)
            canvas.restore_region(self._background)
            renderer = canvas.get_renderer()
            for ax in self.figure.axes:
                if ax in self._dynamic_axes:
                    ax.draw(renderer)
                else:
                    for artist in ax.get_children():
                        if artist.get_animated():
                            ax.draw_artist(artist)
        return encode_png(canvas)

    def png(self):
        """The current plot as PNG bytes (PIXEL_DENSITY pixels per pixel it is shown at)."""
        return bytes(self.image.value)

    def _repr_mimebundle_(self, include=None, exclude=None, **kwargs):
        # The widget view for JupyterLab, plus the plot as a plain image, at the size it
        # is shown at, for anything that cannot run widgets (nbconvert, GitHub, nbviewer).
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle["image/png"] = base64.b64encode(self.png()).decode("ascii")
        bundle["text/plain"] = f"{type(self).__name__}: {self.alt}"
        width, height = figure_size_px(self.figure)
        return bundle, {"image/png": {"width": width, "height": height, "alt": self.alt}}

    def __repr__(self):
        return f"{type(self).__name__}(controls={list(self.controls)})"


def _inches(px):
    """px / CSS_DPI, raised to the next float where rounding left it a hair short, so that inches
    × dpi is never just below the whole number of pixels (matplotlib before 3.8 truncates it)."""
    inches = px / CSS_DPI
    while inches * CSS_DPI * PIXEL_DENSITY < px * PIXEL_DENSITY:
        inches = math.nextafter(inches, math.inf)
    return inches


def new_figure(width_px, height_px, nrows, ncols, **subplots):
    """A Figure shown at width_px × height_px page pixels, rendered at PIXEL_DENSITY times that.

    Returns (figure, axes as a flat array).
    """
    fig = Figure(figsize=(_inches(width_px), _inches(height_px)), dpi=CSS_DPI * PIXEL_DENSITY)
    FigureCanvasAgg(fig)
    axes = fig.subplots(nrows, ncols, squeeze=False, **subplots)
    return fig, axes.ravel()


def reserve_tick_room(axes, widest="2.5e+6"):
    """Give each axes a placeholder y tick label as wide as any it will show, before the layout is made."""
    for ax in axes:
        low, high = ax.get_ylim()
        ax.set_yticks([(low + high) / 2 if ax.get_yscale() == "linear" else np.sqrt(low * high)], labels=[widest])
        ax._log_ticks = None


def freeze_labels(figure, axes):
    """Copy the axis labels of ``axes`` into figure texts at the same places, and hide the originals.

    Figure texts belong to the background an Explorer draws once, so a redraw of these axes
    renders only what changes (lines, ticks, title): text is the slowest thing to draw. Call it
    after the layout is final. The axes keep their label text (get_xlabel still answers).
    """
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    to_figure = figure.transFigure.inverted()
    for ax in axes:
        for label in (ax.xaxis.label, ax.yaxis.label):
            if not label.get_text() or not label.get_visible():
                continue
            box = label.get_window_extent(renderer)
            x, y = to_figure.transform(((box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2))
            figure.text(x, y, label.get_text(), rotation=label.get_rotation(), ha="center", va="center",
                        fontsize=label.get_fontsize(), color=label.get_color())
            label.set_visible(False)


def figure_size_px(figure):
    """(width, height) in page pixels that the figure is shown at."""
    width, height = figure.get_size_inches() * CSS_DPI
    return int(round(width)), int(round(height))


def encode_png(canvas):
    """The Agg canvas's current pixels as PNG bytes, written for speed.

    A PNG is a signature and three chunks: IHDR (size, 8-bit RGBA), IDAT (the rows, each
    led by its filter byte, zlib-compressed) and IEND. Rows are left unfiltered (filter 0)
    and compressed at level 1, and the canvas's RGBA bytes are copied as they are: a plot's
    flat colours compress well anyway, and this takes half the time of an encoder that
    tries a filter per row or drops the alpha channel first.
    """
    width, height = canvas.get_width_height(physical=True)
    rows = np.zeros((height, 1 + 4 * width), np.uint8)  # column 0: filter byte 0 (none)
    rows[:, 1:] = np.frombuffer(canvas.buffer_rgba(), np.uint8).reshape(height, 4 * width)

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8 bits, RGBA, no interlace
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(memoryview(rows), 1))
            + chunk(b"IEND", b""))


def light_ticks(ax):
    """Few ticks and no minor ticks on linear axes: tick labels are most of the cost of a redraw."""
    ax._log_ticks = None  # fit_log_axis sets them anew
    for axis in (ax.xaxis, ax.yaxis):
        if axis.get_scale() == "log":
            axis.set_major_locator(LogLocator(numticks=6))
            axis.set_minor_locator(NullLocator())
        else:
            # steps and layers are counted: whole numbers on x, even when the view holds only one
            integer = axis is ax.xaxis
            axis.set_major_locator(MaxNLocator(4, integer=integer, min_n_ticks=1 if integer else 2))
            axis.set_major_formatter(ScalarFormatter())


def finite_positive(y):
    """y as a float array with non-positive or non-finite entries masked (for log axes)."""
    y = np.asarray(y, dtype=float)
    return np.ma.masked_where(~np.isfinite(y) | (y <= 0), y)


def distinct_labels(values):
    """Labels for tick values with the fewest significant digits that tell every one apart."""
    def label(v, digits):
        if 1e-3 <= abs(v) < 1e5:  # positional: 0.002, 15, 2000
            return np.format_float_positional(v, precision=digits, unique=False, fractional=False, trim="-")
        return f"{v:.{digits - 1}e}".replace("e-0", "e-").replace("e+0", "e+")  # 1e-8, 2.5e+6

    if any(not 1e-3 <= abs(float(v)) < 1e5 for v in values):  # one style on an axis: all scientific
        return distinct_labels_scientific(values)
    for digits in range(1, 8):
        labels = [label(float(v), digits) for v in values]
        if len(set(labels)) == len(labels):
            return labels
    return [label(float(v), 8) for v in values]


def distinct_labels_scientific(values):
    """Labels such as 1e-8, 2.5e+6 with the fewest digits that tell every value apart."""
    for digits in range(1, 8):
        labels = [f"{float(v):.{digits - 1}e}".replace("e-0", "e-").replace("e+0", "e+") for v in values]
        if len(set(labels)) == len(labels):
            return labels
    return [f"{float(v):.7e}" for v in values]


def log_ticks(low, high, max_ticks=6):
    """Tick positions in [low, high] on a log axis (0 < low < high), at most max_ticks.

    Over a decade or more: powers of ten (with 2 and 5 times them when few powers fit);
    over less: round numbers evenly spaced, so a narrow range still gets two or more
    ticks with different labels.
    """
    k_low, k_high = int(np.ceil(np.log10(low) - 1e-9)), int(np.floor(np.log10(high) + 1e-9))
    for subs in ((1,), (1, 2, 5), (1, 1.5, 2, 3, 5, 7)):
        ticks = [m * 10.0**k for k in range(k_low - 1, k_high + 1) for m in subs]
        ticks = [t for t in ticks if low <= t <= high]
        if 3 <= len(ticks) or (len(ticks) >= 2 and subs != (1,)):
            break
    if len(ticks) < 2:
        ticks = [t for t in MaxNLocator(4).tick_values(low, high) if low <= t <= high and t > 0]
    step = int(np.ceil(len(ticks) / max_ticks))
    return ticks[::step]


def fit_log_axis(ax, *series, pad=1.3):
    """Set the y limits and ticks of a log axis to cover the finite positive values of series."""
    values = np.concatenate([np.ravel(np.asarray(s, dtype=float)) for s in series]) if series else np.array([])
    values = values[np.isfinite(values) & (values > 0)]
    if values.size == 0:
        low, high = 0.1, 10.0
    else:
        low, high = values.min() / pad, values.max() * pad
    ax.set_ylim(low, high)
    ticks = log_ticks(low, high)
    if getattr(ax, "_log_ticks", None) != ticks:  # new tick labels only when they change: text is slow
        ax.set_yticks(ticks, labels=distinct_labels(ticks))
        ax.yaxis.set_minor_locator(NullLocator())
        ax._log_ticks = ticks
