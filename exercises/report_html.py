"""The class report as one self-contained HTML page (exercises.report): a score histogram and a
per-test outcome chart for each assignment, drawn with matplotlib and inlined as base64 PNG, a table
of the most frequent mistakes by test, and the notebooks that lost points to a timeout or a crash.

Accessible: every picture has alt text that says what it shows, tables have captions and header
cells, the colours are Okabe and Ito's colour-blind safe set and each is doubled by a hatch pattern
and a text label, and text meets WCAG 2.1 AA contrast. The page fetches nothing.
"""

import base64
import html
import io

from .report import LOST, distribution, other_failures, summary

# Okabe–Ito colours, each doubled by a hatch so that the outcome does not rest on colour alone
OUTCOMES = (  # (name in the legend, kinds, colour, hatch)
    ("passed", ("passed",), "#0072B2", ""),
    ("a named mistake", ("diagnosed", "static"), "#E69F00", "//"),
    ("wrong, not named", ("undiagnosed",), "#CC79A7", ".."),
    ("raised an error or not written", ("error", "blank"), "#999999", "\\\\"),
    ("timeout or crash", LOST, "#D55E00", "xx"),
)
INK = "#1a1a1a"  # on white: contrast 17:1


def _png(fig):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _figure(width, height):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    fig.set_facecolor("white")
    return fig


def histogram(stats):
    """(PNG as base64, alt text) of an assignment's scores, one bar per point."""
    import numpy as np

    top = int(np.ceil(stats.max_score))
    edges = np.arange(-0.5, top + 1.5, 1.0) if top <= 30 else np.linspace(0, stats.max_score, 16)
    counts, _ = np.histogram(stats.scores, bins=edges)
    fig = _figure(8, 3)
    ax = fig.add_subplot()
    centres = (edges[:-1] + edges[1:]) / 2
    bars = ax.bar(centres, counts, width=(edges[1] - edges[0]) * 0.85, color="#0072B2", edgecolor=INK, linewidth=0.6)
    ax.bar_label(bars, labels=[str(c) if c else "" for c in counts], color=INK, fontsize=9)
    ax.set_xlabel(f"score (points, of {stats.max_score:g})", color=INK)
    ax.set_ylabel("notebooks", color=INK)
    ax.set_title(f"{stats.name}: the scores of {len(stats.scores)} notebooks", color=INK, fontsize=11)
    ax.set_ylim(0, max(counts.max(), 1) * 1.2)
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.tick_params(colors=INK)
    ax.spines[["top", "right"]].set_visible(False)
    ranges = "; ".join(f"{n} scored {label}" for label, n in distribution(stats))
    alt = f"Histogram of the scores in {stats.name}: {summary(stats)}. By range of points: {ranges}."
    return _png(fig), alt


def outcome_chart(name, tests):
    """(PNG as base64, alt text) of each test's outcomes across the class, as stacked bars of shares."""
    import numpy as np

    names = [t.name.removesuffix("_tests") for t in tests]
    fig = _figure(8, 1.6 + 0.42 * len(tests))
    ax = fig.add_subplot()
    y = np.arange(len(tests))[::-1]
    left = np.zeros(len(tests))
    for label, kinds, colour, hatch in OUTCOMES:
        share = np.array([sum(t.kinds[k] for k in kinds) / t.notebooks if t.notebooks else 0.0 for t in tests])
        ax.barh(y, share * 100, left=left * 100, color=colour, hatch=hatch, edgecolor=INK, linewidth=0.5,
                label=label)
        left += share
    for yi, t in zip(y, tests):
        ax.text(101, yi, f"{t.pass_rate:.0%} passed", va="center", color=INK, fontsize=9)
    ax.set_yticks(y, names, color=INK)
    ax.set_xlim(0, 125)
    ax.set_xticks([0, 25, 50, 75, 100], ["0%", "25%", "50%", "75%", "100%"], color=INK)
    ax.set_xlabel("share of the notebooks", color=INK)
    ax.set_title(f"{name}: what each test found", color=INK, fontsize=11)
    ax.spines[["top", "right"]].set_visible(False)
    fig.legend(loc="outside lower center", ncols=3, fontsize=9, frameon=False, labelcolor=INK)
    ranked = sorted(tests, key=lambda t: t.pass_rate)
    shares = ", ".join(f"{t.name.removesuffix('_tests')} {t.pass_rate:.0%}" for t in ranked)
    alt = (f"Stacked bar chart of the {len(tests)} tests of {name}: for each test, the share of notebooks that "
           f"passed it, made a named mistake, were wrong without a named mistake, raised an error or left it "
           f"unwritten, or timed out or crashed. Passed, from the lowest: {shares}.")
    return _png(fig), alt


STYLE = f"""
body {{ font-family: system-ui, -apple-system, "Segoe UI", sans-serif; color: {INK}; background: #ffffff;
       max-width: 62rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.45; }}
h1 {{ font-size: 1.6rem; }} h2 {{ font-size: 1.3rem; margin-top: 2.5rem; border-bottom: 2px solid #0072B2; }}
table {{ border-collapse: collapse; width: 100%; margin: 1rem 0; font-size: 0.92rem; }}
caption {{ text-align: left; font-weight: 600; padding: 0.3rem 0; }}
th, td {{ border: 1px solid #767676; padding: 0.3rem 0.5rem; text-align: left; vertical-align: top; }}
thead th {{ background: #e8eef5; }}
td.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
img {{ max-width: 100%; height: auto; display: block; margin: 0.5rem 0; }}
code {{ font-size: 0.95em; }}
.note {{ color: #3d3d3d; }}
"""


def _e(text):
    return html.escape(str(text))


def _test_table(name, tests):
    rows = []
    for t in tests:
        mistakes = "<br>".join(f"{_e(label)} <span class=\"note\">×{count}</span>" for label, count in t.top()) or "—"
        other = other_failures(t) or "—"
        rows.append(f"<tr><th scope=\"row\"><code>{_e(t.name)}</code></th><td class=\"num\">{t.max_points:g}</td>"
                    f"<td class=\"num\">{t.passed} of {t.notebooks} ({t.pass_rate:.0%})</td><td>{mistakes}</td>"
                    f"<td>{_e(other)}</td></tr>")
    return (f"<table><caption>Mistakes by test in {_e(name)}: the most frequent named mistakes, with the number of "
            "notebooks that made each</caption><thead><tr><th scope=\"col\">Test</th><th scope=\"col\">Points</th>"
            "<th scope=\"col\">Passed</th><th scope=\"col\">Most frequent mistakes</th>"
            "<th scope=\"col\">Other failures</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>")


def _incidents(report):
    lost = [i for i in report.incidents if i.kind in LOST]
    unread = [i for i in report.incidents if i.kind == "not graded"]
    parts = [f"<h2>Lost points to a timeout or a crash</h2><p>{len({i.notebook for i in lost})} notebooks: look at "
             "these, the points may not reflect what the student knows.</p>"]
    if lost:
        parts.append("<table><caption>Tests stopped by a timeout or a crash</caption><thead><tr>"
                     "<th scope=\"col\">Notebook</th><th scope=\"col\">Test</th><th scope=\"col\">What happened</th>"
                     "</tr></thead><tbody>" + "".join(
                         f"<tr><th scope=\"row\">{_e(i.notebook)}</th><td><code>{_e(i.test)}</code></td>"
                         f"<td>{_e(i.kind)}: {_e(i.what)}</td></tr>" for i in lost) + "</tbody></table>")
    if unread:
        parts.append(f"<h2>Could not be graded</h2><table><caption>{len(unread)} notebooks that could not be graded"
                     "</caption><thead><tr><th scope=\"col\">Notebook</th><th scope=\"col\">Why</th></tr></thead>"
                     "<tbody>" + "".join(f"<tr><th scope=\"row\">{_e(i.notebook)}</th><td>{_e(i.what)}</td></tr>"
                                         for i in unread) + "</tbody></table>")
    return "".join(parts)


def page(report):
    """The report as the text of one self-contained HTML page."""
    graded = sum(len(a.scores) for a in report.assignments.values())
    body = [f"<h1>Class report</h1><p>{report.notebooks} notebooks in <code>{_e(report.directory)}</code>, "
            f"{graded} graded. For each assignment: the scores, what each test found, and the mistakes the checks "
            "named most often.</p>"]
    for name, stats in report.assignments.items():
        tests = [t for t in report.tests.values() if t.assignment == name]
        hist, hist_alt = histogram(stats)
        chart, chart_alt = outcome_chart(name, tests)
        body.append(f"<h2>{_e(name)}</h2><p>{_e(summary(stats))}.</p>"
                    f"<img src=\"data:image/png;base64,{hist}\" alt=\"{_e(hist_alt)}\">"
                    f"<img src=\"data:image/png;base64,{chart}\" alt=\"{_e(chart_alt)}\">"
                    + _test_table(name, tests))
    body.append(_incidents(report))
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>Class report: {_e(report.directory)}</title><style>{STYLE}</style></head>"
            f"<body><main>{''.join(body)}</main></body></html>\n")


def write(report, path):
    path.write_text(page(report), encoding="utf-8")
