"""Where each node of a scalar computation graph is drawn: inputs on the left, the output on the right.

One rule for every drawing of a graph (``nnlib.plots.draw_graph`` and the backprop stepper), so a
graph looks the same in a figure and in the explorer. Pure Python: it only reads the graph.
"""


def graph_positions(order, parents):
    """{id(node): (column, row)} for drawing a graph, and its (columns, rows).

    order: every node of the graph, each after all of its parents (inputs first, the output
    last), such as nnlib.graph.topological_order gives; parents(node) -> the nodes it was
    computed from. A node's column counts the longest path from it to the output, from the
    right, so an input sits just left of the farthest operation that uses it. The nodes of a
    column are stacked in the order they come in ``order``, centred on row 0 (rows go down
    from positive to negative, half-integers when a column has an even number of nodes).
    """
    output = order[-1]
    steps = {id(output): 0}
    for node in reversed(order):  # output first: every child is placed before its parents
        for parent in parents(node):
            steps[id(parent)] = max(steps.get(id(parent), 0), steps[id(node)] + 1)
    last = max(steps.values())
    columns = {}
    for node in order:
        columns.setdefault(last - steps[id(node)], []).append(node)
    positions = {}
    for column, nodes in columns.items():
        for i, node in enumerate(nodes):
            positions[id(node)] = (column, -(i - (len(nodes) - 1) / 2))
    return positions, (last + 1, max(len(nodes) for nodes in columns.values()))


def edge_bend(start, end):
    """The curvature (matplotlib's ``arc3`` rad) of the arrow from a node at ``start`` to one at ``end``.

    start, end: (column, row) positions from graph_positions. An arrow between neighbouring
    columns is straight; one that skips a column bends (away from the row it leaves), so that it
    does not run through the boxes of the columns between.
    """
    (x0, y0), (x1, y1) = start, end
    if x1 - x0 <= 1:
        return 0.0
    return -0.25 if y0 >= y1 else 0.25
