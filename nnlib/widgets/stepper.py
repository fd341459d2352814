"""The backprop stepper: watch a backward pass go through a scalar graph one node at a time.

The graph is drawn as notebook 03 draws it (nnlib.graph_layout: inputs on the left, the output on
the right). Each step, one node, in reverse topological order (output first), passes its gradient
on: it is filled orange with a thick solid outline; the parents it passes to are filled blue with
a thick dashed outline, the edges to them turn into blue arrows pointing back with the amount each
receives; below the graph every ``+=`` is written out with the product that made it. A node whose
gradient is complete (it has passed it on) carries a ✓.

The whole pass is recorded once, when the stepper is built (``_trace``); Step, Back, Run to end
and Reset only choose which recorded step is shown, so going back is exact.
"""

import re
import textwrap

import ipywidgets as widgets
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from .._validate import require_int
from ..graph_layout import edge_bend, graph_positions
from ._base import CSS_DPI, PIXEL_DENSITY, Explorer, _inches
from ._trace import backward_order, parents_of, trace_backward

# Okabe–Ito colours, told apart under every common colour-vision deficiency; each also has a
# second cue (a solid or a dashed thick outline), so no meaning rests on colour alone.
PASSING = dict(fc="#E69F00", ec="black", lw=3.2, ls="-")   # the node passing its gradient on
RECEIVING = dict(fc="#56B4E9", ec="black", lw=2.6, ls="--")  # its parents, receiving a share
OPERATION = dict(fc="#e8f0fe", ec="0.45", lw=1.0, ls="-")   # as nnlib.plots.draw_graph fills them
INPUT = dict(fc="#fff4d6", ec="0.45", lw=1.0, ls="-")
BACK_ARROW = "#0072B2"
FORWARD_ARROW = "0.55"

WIDTH = 920  # page pixels, as the other explorers
COLUMN_PX = (112, 160)  # the narrowest and widest column of the graph
ROW_PX = 94
LINE_PX = 21  # one line of the text under the graph, at TEXT_SIZE
MAX_COLUMNS, MAX_ROWS, MAX_LINES = 8, 7, 12
WRAP = 108  # characters of TEXT_SIZE text in a line of the picture
NODE_SIZE, TEXT_SIZE, TITLE_SIZE = 10, 11, 12  # points (10 pt = 14 page pixels)


def _label(node):
    for name in ("label", "op", "_op"):
        value = getattr(node, name, "")
        if isinstance(value, str) and value:
            return name, value
    return None, ""


def node_names(order, positions, names=None):
    """(names, box titles): what the text calls each node, and the first line of its box.

    A node is called by its ``label`` (the part before " = " in a label such as "e = ŷ − y"),
    by the name given in ``names`` ((node, name) pairs), or else n1, n2, … in reading order of the
    drawing (left to right, top to bottom); an unnamed operation shows its ``op`` beside that.
    """
    given = {id(node): name for node, name in names or ()}
    reading = sorted(range(len(order)), key=lambda i: (positions[id(order[i])][0], -positions[id(order[i])][1]))
    number = {i: k + 1 for k, i in enumerate(reading)}
    short, titles = [], []
    for i, node in enumerate(order):
        kind, text = _label(node)
        if id(node) in given:
            name = title = given[id(node)]
        elif kind == "label":
            name = title = text.split(" = ")[0]  # "e = ŷ − y" is called e: a box stays narrow
        else:
            name = f"n{number[i]}"
            title = f"{name}  {text}" if text else name
        short.append(name)
        titles.append(title)
    return short, titles


def _ref(name):
    """How a name is written before .grad or after ∂: parenthesised unless it is one word (w·x is not)."""
    return name if re.fullmatch(r"\w+", name) else f"({name})"


def step_lines(k, order, names, grads, events):
    """The text under the graph after k steps: what the step did, one line per += ."""
    n, out = len(order), names[0]
    if k == 0:
        return _fit([f"Before step 1: the backward pass starts at the output with {_ref(out)}.grad = ∂{_ref(out)}/∂"
                f"{_ref(out)} = 1; every other grad is 0.",
                f"Each Step, the next node passes its gradient on to its parents, {out} first: reverse "
                "topological order, so that a node's gradient is complete before it is passed on."])
    node, o = k - 1, _ref(names[k - 1])
    upstream = grads[k - 1][node]
    parents = parents_of(order[node])
    if not parents:
        lines = [f"Step {k} of {n}: {names[node]} is an input (it has no parents): nothing to pass on; "
                 f"∂{_ref(out)}/∂{o} = {upstream:.4g} is final."]
    else:
        receivers = ", ".join(dict.fromkeys(names[e.parent] for e in events[node])) or "no parent"
        lines = [f"Step {k} of {n}: {names[node]} passes {o}.grad = {upstream:.4g} on to {receivers}, "
                 "one += for each use:"]
        earlier = {e.parent for step in events[:k - 1] for e in step}
        uses = {}
        for e in events[node]:
            uses[e.parent] = uses.get(e.parent, 0) + 1
            lines.append(_accumulation_line(e, o, names, uses[e.parent], e.parent in earlier))
        index = {id(p): i for i, p in enumerate(order)}
        got = {e.parent for e in events[node]}
        lines += [f"    {_ref(names[index[id(p)]])}.grad: nothing added; this _backward leaves it out"
                  for p in {id(p): p for p in parents}.values() if index[id(p)] not in got]
    if k == n:
        lines.append(f"Done: every grad now holds ∂{_ref(out)}/∂node, as a full backward pass leaves it.")
    return _fit(lines)


def _fit(lines):
    """Lines wrapped to the width of the picture, at most MAX_LINES (the rest counted on the last)."""
    wrapped = [part for line in lines for part in textwrap.wrap(line, WRAP, subsequent_indent=" " * 8,
                                                                 drop_whitespace=False) or [""]]
    if len(wrapped) > MAX_LINES:
        wrapped = wrapped[:MAX_LINES - 1] + [f"    … and {len(wrapped) - MAX_LINES + 1} more lines"]
    return wrapped


def _accumulation_line(e, o, names, use, seen_before):
    """One change to a parent's grad; use counts the parent's uses in this step (2 for a * a)."""
    p = _ref(names[e.parent])
    if e.kind == "=":
        return (f"    {p}.grad = {e.amount:.4g}: set with =, not added with +=, so the {e.before:.4g} it held "
                "is lost")
    sign = "+=" if e.kind == "+=" else "−="
    product = (f" {o}.grad · ∂{o}/∂{p} = {_factor(e.upstream)} · {_factor(e.local)} = {e.amount:.4g}"
               if e.local is not None else f" {e.amount:.4g}")
    twice = {2: "second", 3: "third"}.get(use, f"{use}th")
    note = (f"  ({twice} use of {names[e.parent]})" if use > 1 else
            f"  (on top of {e.before:.4g} from another path)" if seen_before else "")
    return f"    {p}.grad {sign}{product}  → {p}.grad = {e.after:.4g}{note}"


def _factor(x):
    """A number as a factor of a product: parenthesised when negative, 2 · (-3)."""
    return f"({x:.4g})" if x < 0 else f"{x:.4g}"


STEP_BUTTONS = {"step": ("Step", "the next step of the backward pass"), "back": ("Back", "undo the last step"),
                "to_end": ("Run to end", "run the rest of the backward pass"),
                "reset": ("Reset", "back to the start, before step 1")}


class Stepper(Explorer):
    """An explorer that shows step ``position`` of a recorded sequence, 0 … n_steps, with four buttons.

    Subclasses set ``n_steps`` and build the figure; ``_compute_state`` reads ``position``.
    """

    def __init__(self, n_steps, compute, draw, figure, where):
        self.n_steps, self.position, self._where = n_steps, 0, where
        controls = {name: widgets.Button(description=text, tooltip=tip, layout=widgets.Layout(width="110px"))
                    for name, (text, tip) in STEP_BUTTONS.items()}
        super().__init__(controls, compute, draw, figure)
        actions = {"step": self.step, "back": self.back, "to_end": self.to_end, "reset": self.reset}
        for name, action in actions.items():
            controls[name].on_click(lambda _, action=action: action())

    def go(self, k):
        """Show the pass after k steps (0 … n_steps). Returns the state."""
        self.position = require_int(k, "k", f"{self._where}.go", 0, self.n_steps)
        return self.update()

    def step(self, n=1):
        """n more steps (stopping at the end). Returns the state."""
        n = require_int(n, "n", f"{self._where}.step", 1, 10**6)
        return self.go(min(self.position + n, self.n_steps))

    def back(self, n=1):
        """Undo the last n steps (stopping at the start). Returns the state."""
        n = require_int(n, "n", f"{self._where}.back", 1, 10**6)
        return self.go(max(self.position - n, 0))

    def to_end(self):
        """Run the rest of the backward pass. Returns the state."""
        return self.go(self.n_steps)

    def reset(self):
        """Back to the start, before step 1. Returns the state."""
        return self.go(0)

    def _enable_buttons(self):
        """Grey out what cannot be done: Step at the end, Back at the start."""
        at_end, at_start = self.position == self.n_steps, self.position == 0
        self.controls["step"].disabled = self.controls["to_end"].disabled = at_end
        self.controls["back"].disabled = self.controls["reset"].disabled = at_start


class BackpropStepper(Stepper):
    """The backprop stepper; build it with backprop_stepper()."""

    def __init__(self, root, names=None):
        where = "backprop_stepper"
        self.order = backward_order(root, where)
        topological = self.order[::-1]
        self._positions, (n_cols, n_rows) = graph_positions(topological, parents_of)
        if n_cols > MAX_COLUMNS or n_rows > MAX_ROWS:
            raise ValueError(f"{where}: the graph is {n_cols} steps long and {n_rows} nodes tall ({len(self.order)} "
                             f"nodes); the stepper draws at most {MAX_COLUMNS} × {MAX_ROWS}: step through a "
                             "smaller graph (one neuron, one example)")
        self.names, self._titles = node_names(self.order, self._positions, _check_names(names, where))
        self.grads, self.events = trace_backward(self.order, self.names)
        self.lines = [step_lines(k, self.order, self.names, self.grads, self.events)
                      for k in range(len(self.order) + 1)]
        self.position = 0
        figure, draw = _stepper_figure(self, (n_cols, n_rows))
        super().__init__(len(self.order), self._compute_state, draw, figure, where)

    def _compute_state(self, values):
        k = self.position
        for node, grad in zip(self.order, self.grads[k]):
            node.grad = grad  # the learner's graph shows the same step as the picture
        self._enable_buttons()
        return {"order": self.order, "step": k, "grads": list(self.grads[k]), "names": self.names,
                "passing": k - 1 if k else None, "events": self.events[k - 1] if k else [],
                "lines": self.lines[k]}

    def summary_line(self, state):
        """The one-line status above the picture."""
        k, n = state["step"], len(self.order)
        if k == 0:
            return f"step 0 of {n}: {self.names[0]}.grad = 1, every other grad 0; press Step"
        node = state["passing"]
        receivers = list(dict.fromkeys(self.names[e.parent] for e in state["events"]))
        if not receivers:
            return (f"step {k} of {n}: {self.names[node]} is an input, ∂{_ref(self.names[0])}/∂{_ref(self.names[node])}"
                    f" = {state['grads'][node]:.4g}")
        return (f"step {k} of {n}: {self.names[node]} passed {self.grads[k - 1][node]:.4g} on to "
                f"{', '.join(receivers)}")


def _check_names(names, where):
    """names as a list of (node, name) pairs, from a dict or from such pairs."""
    if names is None:
        return []
    pairs = list(names.items()) if hasattr(names, "items") else names
    try:
        pairs = [(node, name) for node, name in pairs]
    except (TypeError, ValueError):
        raise TypeError(f"{where}: names must be a dict {{node: name}} or a list of (node, name) pairs, got "
                        f"{type(names).__name__}") from None
    for _, name in pairs:
        if not isinstance(name, str) or not name:
            raise TypeError(f"{where}: every name in names must be a non-empty string, got {name!r}")
    return pairs


def _stepper_figure(stepper, size):
    """The graph, a legend strip and the text; returns (figure, draw(figure, state) -> summary)."""
    n_cols, n_rows = size
    col_px = min(max((WIDTH - 40) / n_cols, COLUMN_PX[0]), COLUMN_PX[1])
    graph_h = (n_rows + 0.4) * ROW_PX  # and 0.4 of a row more, for the label under a bottom box
    heights = [36, graph_h, 34, max(len(lines) for lines in stepper.lines) * LINE_PX + 16]  # title, graph, legend, text
    height = int(sum(heights))
    fig = Figure(figsize=(_inches(WIDTH), _inches(height)), dpi=CSS_DPI * PIXEL_DENSITY)
    FigureCanvasAgg(fig)

    def box(top, h, left=0.0, w=WIDTH):  # an axes from page pixels, top down
        ax = fig.add_axes([left / WIDTH, 1 - (top + h) / height, w / WIDTH, h / height])
        ax.set_axis_off()
        return ax

    ax = box(heights[0], graph_h, (WIDTH - col_px * n_cols) / 2, col_px * n_cols)
    ax.set_xlim(-0.5, n_cols - 0.5)
    ys = [p[1] for p in stepper._positions.values()]
    ax.set_ylim(min(ys) - 0.9, max(ys) + 0.5)  # one row is ROW_PX page pixels
    artists = _graph_artists(ax, stepper)
    box(heights[0] + graph_h, heights[2]).legend(
        handles=[Patch(**{**PASSING, "label": "passing its gradient on"}),
                 Patch(**{**RECEIVING, "label": "receiving a share (+=)"}),
                 Patch(fc="white", ec="white", label="✓  done: passed its gradient on")],
        loc="center", ncol=3, frameon=False, fontsize=NODE_SIZE, handlelength=2.2, handleheight=1.1)
    text_ax = box(heights[0] + graph_h + heights[2], heights[3], 20, WIDTH - 30)
    artists["title"] = fig.text(0.5, 1 - 18 / height, "", ha="center", va="center", fontsize=TITLE_SIZE)
    artists["text"] = text_ax.text(0, 1, "", ha="left", va="top", fontsize=TEXT_SIZE, linespacing=1.5,
                                   transform=text_ax.transAxes)
    return fig, lambda fig, state: _draw_step(stepper, artists, state)


def _graph_artists(ax, stepper):
    """The node boxes, the edges and the labels of what each node receives, drawn empty."""
    order, pos = stepper.order, stepper._positions
    boxes = [ax.text(*pos[id(node)], "", ha="center", va="center", fontsize=NODE_SIZE, linespacing=1.2, zorder=3,
                     bbox=dict(boxstyle="round,pad=0.3", **OPERATION))
             for node in order]
    stepper.boxes = boxes  # the node boxes, in order's order
    # what a receiving node got this step, just under its box (between two rows)
    received = [ax.annotate("", xy=pos[id(node)], xytext=(0, -(ROW_PX / 2 - 1) * 72 / CSS_DPI),
                            textcoords="offset points", ha="center", va="center", fontsize=NODE_SIZE,
                            fontweight="bold", color=BACK_ARROW, zorder=5, visible=False,
                            bbox=dict(boxstyle="round,pad=0.15", fc="white", ec=BACK_ARROW, lw=1.0))
                for node in order]
    return {"boxes": boxes, "edges": _draw_edges(ax, order, pos, boxes), "received": received}


def _draw_step(stepper, artists, state):
    """Move every artist to the step in state; returns the one-line summary."""
    order, k, passing = stepper.order, state["step"], state["passing"]
    receiving = {e.parent for e in state["events"]}
    for i, (node, artist) in enumerate(zip(order, artists["boxes"])):
        done = " ✓" if k > i else ""
        artist.set_text(f"{stepper._titles[i]}{done}\n{node.data:.4g}\ngrad {state['grads'][i]:.4g}")
        style = PASSING if i == passing else RECEIVING if i in receiving else (
            OPERATION if parents_of(node) else INPUT)
        patch = artist.get_bbox_patch()
        patch.set_facecolor(style["fc"])
        patch.set_edgecolor(style["ec"])
        patch.set_linewidth(style["lw"])
        patch.set_linestyle(style["ls"])
    _show_edges(artists["edges"], passing, receiving)
    amounts = _amounts(state["events"])
    for i, label in enumerate(artists["received"]):
        label.set_visible(i in amounts)
        label.set_text(amounts.get(i, ""))
    n, name = len(order), stepper.names[passing] if k else ""
    artists["title"].set_text(f"Backward pass: before step 1 of {n}" if k == 0 else
                              f"Backward pass, step {k} of {n}: {name} passes its gradient on"
                              if parents_of(order[passing]) else
                              f"Backward pass, step {k} of {n}: {name} is an input, its gradient is final")
    artists["text"].set_text("\n".join(state["lines"]))
    return stepper.summary_line(state)


def _draw_edges(ax, order, pos, boxes):
    """One arrow per (parent, child) pair, parent → child, from box edge to box edge.

    An edge that skips a column bends, so that it does not run through the boxes between.
    Returns {(parent index, child index): arrow}.
    """
    index = {id(n): i for i, n in enumerate(order)}
    edges = {}
    for child in order:
        for parent in parents_of(child):
            key = (index[id(parent)], index[id(child)])
            if key in edges:
                continue  # a node used twice by one operation: one arrow
            bend = edge_bend(pos[id(parent)], pos[id(child)])
            edges[key] = ax.annotate("", xy=pos[id(child)], xytext=pos[id(parent)],
                                     arrowprops=dict(arrowstyle="->", color=FORWARD_ARROW, lw=1.2, shrinkA=2,
                                                     shrinkB=2, patchA=boxes[key[0]].get_bbox_patch(),
                                                     patchB=boxes[key[1]].get_bbox_patch(),
                                                     connectionstyle=f"arc3,rad={bend}"))
    return edges


def _show_edges(edges, passing, receiving):
    """Turn the edges from the passing node to its parents into thick blue arrows pointing back."""
    for (parent, child), arrow in edges.items():
        active = child == passing and parent in receiving
        arrow.arrow_patch.set_arrowstyle("<-" if active else "->")
        arrow.arrow_patch.set_color(BACK_ARROW if active else FORWARD_ARROW)
        arrow.arrow_patch.set_linewidth(2.6 if active else 1.2)


def _amounts(events):
    """{parent index: the text of what it received this step}, such as "+= 3, += 3" for a * a."""
    amounts = {}
    for e in events:
        term = f"= {e.amount:.4g}" if e.kind == "=" else f"{e.kind.replace('-', '−')} {e.amount:.4g}"
        amounts.setdefault(e.parent, []).append(term)
    return {parent: ", ".join(terms) for parent, terms in amounts.items()}


def backprop_stepper(root, names=None):
    """Step through the backward pass of a scalar graph, one node at a time, output first.

    root: the output node (the loss) of a scalar computation graph: a ``nnlib.graph.Value`` or
    any object of your own class that has
      - ``data``: a number (int or float, numpy scalars too);
      - ``grad``: a number, which ``_backward`` adds to with ``+=``;
      - ``_backward``: a function of no arguments that adds ``grad`` times each local
        derivative to its parents' ``grad`` (an input's does nothing);
      - ``_parents`` (or micrograd's ``_prev``): a tuple, list or set of the nodes it was
        computed from (a node used twice, as in ``a * a``, may appear twice).
    Optional: ``label`` names a node in the picture and the text, ``op`` (or ``_op``) names its
    operation. names: {node: name}, or a list of (node, name) pairs when your nodes cannot be dict
    keys (a class with __eq__ and no __hash__), for nodes without a label; the others are called
    n1, n2, … in reading order of the picture. The stepper computes the order itself (the reverse
    of a depth-first topological order, as nnlib.graph.topological_order) and never calls your
    backward() or backprop: it calls each node's ``_backward`` the way a backward pass does,
    watching what it adds to each parent.
    The graph may be at most 8 steps long and 7 nodes tall.

    What it does to your graph: building the stepper runs the backward pass once (every grad set to
    0, the output's to 1, then each ``_backward`` in turn; each is also called once more with the
    node's grad set to 1, to read the local derivatives, and everything it changed is put back).
    From then on every node's ``grad`` holds its value at the step shown: at step 0 the output's 1
    and 0 elsewhere; after Run to end exactly what a full backward pass leaves, as plain floats.

    Controls (buttons): step (the next node passes its gradient on), back, to_end (Run to end),
    reset; methods step(n), back(n), to_end(), reset(), go(k) do the same. State: order (the
    nodes, output first), step (how many have passed their gradient on), grads (every node's grad
    in order's order, after those steps), names, passing (the index in order of the node that just
    passed its gradient on, None at step 0), events (what that step added to each parent: parent
    index, kind "+=", upstream ∂L/∂node, local ∂node/∂parent, amount, before, after), lines (the
    text under the graph). A ``_backward`` that overwrites a parent's grad with ``=`` is shown
    doing so. Raises a TypeError for anything that is not such a node, a ValueError for a cycle.

    Example::

        from nnlib.graph import Value
        from nnlib.widgets import backprop_stepper

        a, b = Value(2.0, label="a"), Value(-3.0, label="b")
        out = a * b + a            # a is used twice: two terms reach a.grad
        out.label = "out"
        stepper = backprop_stepper(out)
        stepper                    # in a notebook: the graph and the four buttons
        stepper.to_end()["grads"]  # [1.0, 1.0, 2.0, -2.0]: out, out's a*b, b, a (a.grad = b + 1)
    """
    return BackpropStepper(root, names)
