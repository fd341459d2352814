"""Interactive explorers: controls that recompute a small experiment and redraw its plot.

Each explorer function returns an ``Explorer``:

- ``.widget``: the ipywidgets container to display (controls, a status line, the plot);
- ``.controls``: dict from a control's name to its widget;
- ``.state``: dict with the numbers computed last, replaced on every change;
- ``.update()``: recompute from the current control values and redraw.

Setting ``explorer.controls[name].value`` in plain Python fires the same observers a
drag in the browser does, so tests and notebook checks drive an explorer headlessly
and assert on ``.state``. A value a control does not offer raises an error naming what
it accepts, and nothing changes.

- ``learning_rate_explorer``: gradient descent on a quadratic and a small network (06);
- ``momentum_explorer``: heavy-ball momentum on a quadratic, with η and β sliders (12);
- ``gradient_flow_explorer``: per-layer gradient norms of a deep network (08);
- ``playground_explorer``: a network that trains live on a 2-D data set (10);
- ``backprop_stepper``: the backward pass of a scalar graph, one node at a time (03, assignment 05);
- ``network_stepper``: the backward pass of a network, one dense layer at a time (05).

The numbers behind the plots come from ``nnlib.dynamics`` (numpy only), whose names are
re-exported here for older imports.
"""

from ..dynamics import (  # noqa: F401 (re-exported: nnlib.widgets.quadratic_descent and friends)
    BLOWUP,
    FLOW_RATIO,
    MAX_DERIVATIVE,
    build_deep_mlp,
    check_hessian,
    descent_verdict,
    flow_verdict,
    gradient_flow,
    network_descent,
    quadratic_descent,
    rotated_hessian,
    stability_limit,
)
from ._base import CSS_DPI, PIXEL_DENSITY, Explorer, encode_png, light_ticks  # noqa: F401
from ._controls import ControlValueError  # noqa: F401
from .flow import COMPARE_OPTIONS, gradient_flow_explorer, verdict_text  # noqa: F401
from .layer_stepper import NetworkStepper, network_stepper  # noqa: F401
from .learning_rate import learning_rate_explorer  # noqa: F401
from .momentum import momentum_explorer  # noqa: F401
from .playground import Playground, make_dataset, playground_explorer  # noqa: F401
from .stepper import BackpropStepper, backprop_stepper  # noqa: F401
