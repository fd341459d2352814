"""Controls that refuse a bad value instead of bending it.

ipywidgets clamps an out-of-range slider value without a word and answers an unknown
option with "Invalid selection: value not found". These subclasses raise an error that
names the control, what it accepts and what it got, before anything changes: the
explorer, its picture and the control stay as they were.

A slider over a fixed list of round numbers (``ValueSlider``) also means the browser
never snaps a value the notebook set (0.15 stays 0.15) and one arrow key is one step of
the list.

Accessible names: ipywidgets 8 draws a slider's handle and its editable readout, and the Play
widget's icon buttons, without a name a screen reader can say. ``accessible(container)`` fixes
that for every control inside a container; see its docstring for the pattern a new widget follows.
"""

import pathlib

import anywidget
import ipywidgets as widgets
import numpy as np
import traitlets

ACCESSIBLE_CLASS = "nnlib-accessible"


class AccessibleNames(anywidget.AnyWidget):
    """An invisible widget that names the controls of the container it sits in (accessible.js).

    alt: the text alternative of the container's picture (an ipywidgets Image), kept up to date
    by its owner. The script runs in the browser, also when a saved notebook is reopened without
    a kernel; it links each slider's handle and readout to the slider's visible label, makes the
    handle announce the value its readout shows, names icon-only buttons from their icon, gives
    the picture its alt text, makes the status line (class nnlib-status) a live region, keeps
    arrow keys on a control from reaching JupyterLab's notebook shortcuts, and, when a control is
    used and the kernel does not answer (restarted or stopped), shows the container's note saying
    to run the cell again (an element with the class nnlib-reopen-hint).
    """

    _esm = (pathlib.Path(__file__).parent / "accessible.js").read_text(encoding="utf-8")
    alt = traitlets.Unicode("").tag(sync=True)

    def __init__(self, **kwargs):
        super().__init__(layout=widgets.Layout(display="none"), **kwargs)
        self.on_msg(self._answer)

    def _answer(self, _, content, buffers):
        """The browser asks whether the kernel is still there (a control was used): say yes."""
        if isinstance(content, dict) and "ping" in content:
            self.send({"pong": content["ping"]})


def accessible(container, alt=""):
    """Make the controls of an ipywidgets container accessible; returns its AccessibleNames.

    The pattern for a new explorer or widget:
    - give every control a visible ``description`` (its label): it becomes the control's name
      (a slider's handle and readout, a dropdown, a text box); a ``Button`` says what it does in
      its ``description``, or, when it shows only an icon, in its ``tooltip``;
    - put the controls and the picture in one container and call ``accessible(container,
      alt=...)``; set the returned object's ``.alt`` whenever the picture changes, to a sentence
      saying what the picture shows now (the Explorer class does both).
    The container gets the class nnlib-accessible and the invisible AccessibleNames as its
    last child.
    """
    names = AccessibleNames(alt=alt)
    container.add_class(ACCESSIBLE_CLASS)
    container.children = tuple(container.children) + (names,)
    return names


class ControlValueError(traitlets.TraitError, ValueError):
    """A control was given a value it does not offer (a TraitError and a ValueError)."""


def round_numbers(low, high, mantissas=(1, 1.5, 2, 3, 5, 7)):
    """Round numbers m × 10^k in [low, high], increasing, each exactly as written in decimal."""
    values = []
    for k in range(int(np.floor(np.log10(low))), int(np.ceil(np.log10(high))) + 1):
        values += [float(f"{m}e{k}") for m in mantissas]
    return sorted(v for v in set(values) if low * (1 - 1e-12) <= v <= high * (1 + 1e-12))


def _listed(values, limit=8):
    shown = [f"{v:g}" if isinstance(v, float) else repr(v) for v in values]
    if len(shown) > limit:
        shown = shown[: limit // 2] + ["…"] + shown[-(limit // 2):]
    return ", ".join(shown)


class _Checked(traitlets.TraitType):
    """A value trait that has its widget check every value, None included (traitlets lets a
    None through unchecked when a trait allows it)."""

    def validate(self, obj, value):
        return obj._check(value)


class ValueSlider(widgets.SelectionSlider):
    """A slider over a list of numbers, shown exactly as written (a log scale when they grow geometrically)."""

    value = _Checked(None, allow_none=False, help="one of the slider's numbers")

    def __init__(self, name, values, value, **kwargs):
        self._name = name
        values = list(values)  # numbers: ints stay ints
        super().__init__(options=[(f"{v:g}", v) for v in values], value=self._snap(values, value),
                         description=kwargs.pop("description", name), continuous_update=True,
                         style={"description_width": "initial"}, **kwargs)

    def _snap(self, values, value):
        ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
        if ok and np.isfinite(value):
            for v in values:
                if abs(v - value) <= 1e-9 * abs(v):
                    return v  # 0.1 * 1.5 is taken as the slider's 0.15
        below = [v for v in values if ok and np.isfinite(value) and v < value][-1:]
        above = [v for v in values if ok and np.isfinite(value) and v > value][:1]
        near = f"; the nearest are {_listed(below + above)}" if below or above else ""
        raise ControlValueError(f"{self._name} must be one of the slider's values from {values[0]:g} to "
                                f"{values[-1]:g} ({_listed(values)}){near}; got {value!r}")

    def _check(self, value):
        return self._snap(list(self._options_values), value)

    @traitlets.validate("value")
    def _validate_value(self, proposal):
        return proposal.value  # checked by _check already


class IntSlider(widgets.IntSlider):
    """An integer slider that raises on a value outside [min, max] instead of clamping it."""

    value = _Checked(0, help="an int in [min, max]").tag(sync=True)  # not CInt: 2.5 is refused, not cut to 2

    def __init__(self, name, value, low, high, **kwargs):
        self._name = name
        super().__init__(value=low, min=low, max=high, description=kwargs.pop("description", name),
                         continuous_update=True, style={"description_width": "initial"}, **kwargs)
        self.value = value

    def _check(self, value):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or not self.min <= value <= self.max:
            raise ControlValueError(f"{self._name} must be an integer in [{self.min}, {self.max}], got {value!r}")
        return int(value)

    @traitlets.validate("value")
    def _validate_value(self, proposal):
        return proposal.value  # checked by _check already


class Play(widgets.Play):
    """The Play widget (a timer in the browser that counts up), refusing a count outside [min, max].

    Its buttons are icons only (▶, ❚❚, ■); AccessibleNames names them, and the repeat button
    (⟲) is hidden: an explorer's count has no end to start again from.
    """

    value = _Checked(0, help="an int in [min, max]").tag(sync=True)

    def __init__(self, name, **kwargs):
        self._name = name
        super().__init__(show_repeat=False, **kwargs)

    def _check(self, value):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or not self.min <= value <= self.max:
            raise ControlValueError(f"{self._name} must be an integer count in [{self.min}, {self.max}], "
                                    f"got {value!r}")
        return int(value)

    @traitlets.validate("value")
    def _validate_value(self, proposal):
        return proposal.value  # checked by _check already


class Choice(widgets.Dropdown):
    """A dropdown that names its options when given one it does not have.

    aliases: {other value: option} accepted as that option (clip=None means "off").
    """

    value = _Checked(None, allow_none=False, help="the selected option")

    def __init__(self, name, options, value, aliases=None, **kwargs):
        self._name = name
        self._aliases = dict(aliases or {})
        super().__init__(options=options, description=kwargs.pop("description", name),
                         style={"description_width": "initial"}, **kwargs)
        self.value = value

    def _check(self, value):
        if value is None or isinstance(value, str):
            value = self._aliases.get(value, value)
        for option in self._options_values:
            if option == value and type(option) is type(value):
                return option
        raise ControlValueError(f"{self._name} must be one of {_listed(self._options_values, 12)}; got {value!r}")

    @traitlets.validate("value")
    def _validate_value(self, proposal):
        return proposal.value  # checked by _check already
