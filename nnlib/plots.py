"""Plotting helpers for the notebooks (matplotlib is imported here, never in the core).

Every function draws on an Axes it is given (or a new figure's), labels its axes,
gives it a title, and returns the Axes (or the Figure when it makes several panels).
"""

import matplotlib.pyplot as plt
import numpy as np

from .activations import ACTIVATIONS
from .graph import edges, topological_order


def _axes(ax, figsize=(5, 3.5)):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def plot_activations(names=("sigmoid", "tanh", "relu"), z=None):
    """One panel per activation: f(z) and f'(z) on the same axes. Returns the Figure."""
    z = np.linspace(-5, 5, 501) if z is None else np.asarray(z)
    fig, axes = plt.subplots(1, len(names), figsize=(4 * len(names), 3.2), squeeze=False)
    for ax, name in zip(axes[0], names):
        f, f_prime = ACTIVATIONS[name]
        ax.plot(z, f(z), label=f"{name}(z)")
        ax.plot(z, f_prime(z), "--", label=f"{name}'(z)")
        ax.axhline(0, color="0.8", lw=0.8)
        ax.axvline(0, color="0.8", lw=0.8)
        ax.set_xlabel("z")
        ax.set_ylabel("value")
        ax.set_title(f"{name} and its derivative")
        ax.legend(loc="upper left", fontsize="small")
    fig.tight_layout()
    return fig


def plot_loss_curves(history, ax=None, title="Loss per epoch"):
    """Training (and validation) loss per epoch from a History; the best epoch is marked."""
    ax = _axes(ax)
    epochs = np.arange(len(history.train_loss))
    ax.plot(epochs, history.train_loss, label="training loss")
    if history.val_loss:
        ax.plot(epochs[: len(history.val_loss)], history.val_loss, label="validation loss")
    if history.best_epoch is not None:
        ax.axvline(history.best_epoch, color="k", ls=":",
                   label=f"best epoch ({history.best_epoch})")
    if history.stopped_early:
        ax.plot(epochs[-1], (history.val_loss or history.train_loss)[-1], "rx", ms=10,
                label="early stop")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss (batch mean)")
    ax.set_title(title)
    ax.legend(fontsize="small")
    return ax


def plot_decision_boundary(model, X, y, ax=None, resolution=200, title="Decision boundary"):
    """Colour the plane by the model's predicted class; draw the points coloured by label.

    model: maps (n, 2) inputs to (n, k) scores (k >= 2: argmax; k == 1: score > 0).
    X: (n, 2), y: (n,) integer labels.
    """
    ax = _axes(ax, (4.5, 4))
    X = np.asarray(X)
    pad = 0.5
    x0 = np.linspace(X[:, 0].min() - pad, X[:, 0].max() + pad, resolution)
    x1 = np.linspace(X[:, 1].min() - pad, X[:, 1].max() + pad, resolution)
    g0, g1 = np.meshgrid(x0, x1)
    scores = model.forward(np.column_stack([g0.ravel(), g1.ravel()]))
    pred = (scores[:, 0] > 0).astype(int) if scores.shape[1] == 1 else scores.argmax(axis=1)
    n_classes = int(max(pred.max(), np.max(y))) + 1
    ax.contourf(g0, g1, pred.reshape(g0.shape), levels=np.arange(n_classes + 1) - 0.5,
                cmap="coolwarm", alpha=0.3)
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", s=12, edgecolors="k", linewidths=0.3,
               vmin=0, vmax=max(n_classes - 1, 1))
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_title(title)
    return ax


def plot_grad_norms(norms, ax=None, theory=None, title="Gradient norm per layer",
                    label="measured"):
    """Per-layer gradient norms on a log scale, input side (layer 1) first.

    theory: optional array of the same length, drawn dashed for comparison.
    """
    ax = _axes(ax)
    layers = np.arange(1, len(norms) + 1)
    ax.semilogy(layers, norms, "o-", label=label)
    if theory is not None:
        ax.semilogy(layers, theory, "--", label="theory")
    ax.set_xlabel("layer (1 = input side)")
    ax.set_ylabel(r"$\|\partial L / \partial W\|$")
    ax.set_title(title)
    ax.legend(fontsize="small")
    return ax


def plot_loss_surface(loss_of, w_range, b_range, ax=None, trajectory=None, levels=30,
                      title="Loss surface", xlabel="w", ylabel="b"):
    """Contours of a scalar loss over a 2-D grid of (w, b), with an optional path.

    loss_of(w, b) -> float; trajectory: (steps, 2) array of visited (w, b) points.
    """
    ax = _axes(ax, (5, 4))
    W, B = np.meshgrid(np.linspace(*w_range, 120), np.linspace(*b_range, 120))
    L = np.vectorize(loss_of)(W, B)
    cs = ax.contour(W, B, L, levels=levels, cmap="viridis")
    ax.clabel(cs, cs.levels[::5], fontsize="x-small")
    if trajectory is not None:
        trajectory = np.asarray(trajectory)
        ax.plot(trajectory[:, 0], trajectory[:, 1], "r.-", ms=4, label="gradient descent")
        ax.legend(fontsize="small")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    return ax


def draw_graph(root, ax=None, title="Computation graph"):
    """Draw the scalar computation graph below the Value ``root``, inputs on the left.

    Each node shows its label (or operation), its value and, after root.backward(),
    its gradient dL/d(node).
    """
    order = topological_order(root)
    # Column of a node: how many steps it is from the output, counted from the right, so
    # an input sits just left of the operation that uses it.
    steps = {id(root): 0}
    for node in reversed(order):  # output first: every child is placed before its parents
        for p in node._parents:
            steps[id(p)] = max(steps.get(id(p), 0), steps[id(node)] + 1)
    last = max(steps.values())
    columns = {}
    for node in order:
        columns.setdefault(last - steps[id(node)], []).append(node)
    pos = {}
    for d, nodes in columns.items():
        for i, node in enumerate(nodes):
            pos[id(node)] = (d, -(i - (len(nodes) - 1) / 2))
    n_cols = max(columns) + 1
    ax = _axes(ax, (2.2 * n_cols + 1, 1.2 * max(len(c) for c in columns.values()) + 1.5))
    for parent, child in edges(root):
        (x0, y0), (x1, y1) = pos[id(parent)], pos[id(child)]
        ax.annotate("", xy=(x1 - 0.32, y1), xytext=(x0 + 0.32, y0),
                    arrowprops=dict(arrowstyle="->", color="0.4"))
    for node in order:
        x, y = pos[id(node)]
        name = node.label or node.op or "const"
        text = f"{name}\n{node.data:.4g}\ngrad {node.grad:.4g}"
        ax.text(x, y, text, ha="center", va="center", fontsize=8,
                bbox=dict(boxstyle="round", fc="#e8f0fe" if node._parents else "#fff4d6",
                          ec="0.5"))
    ax.set_xlim(-0.6, n_cols - 0.4)
    ys = [p[1] for p in pos.values()]
    ax.set_ylim(min(ys) - 0.8, max(ys) + 0.8)
    ax.set_xlabel("inputs → output (forward); gradients flow back right → left")
    ax.set_ylabel("")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title)
    return ax
