"""Numbers in prose come from cells: find the numbers in Markdown that look measured.

A sentence in a Markdown cell cannot be re-run, so a measured number written there (7.1,
1.4e-3, 84%) silently goes stale when the code, the data or a seed changes. The rule:

- A **measured** number (anything a cell computes from data, training, timing or a random
  draw) is printed by the cell that measures it, in the sentence that states it
  (``print(f"the gradient shrinks {ratio:.1f}× per layer")``), next to the assert that
  checks it. It never appears in Markdown.
- A **theoretical** number (the value of a formula: σ'(5) ≈ 0.0066) may stay in the prose,
  followed by ``<!-- = EXPR -->``: EXPR is a Python expression (numpy as ``np``, ``math``,
  ``nnlib`` and math's functions are at hand) whose value the written number must round to.
  Several numbers in one math span take a tuple, in order: ``<!-- = (a, b) -->``.
- An **exact** constant (a setting the text chooses, η = 0.3; the grid's step of 0.25) is
  followed by ``<!-- exact -->``.

A marker goes right after the number it vouches for, or right after the ``$...$`` span that
holds it (HTML comments render as nothing in JupyterLab and on the website). What looks
measured: a number with a decimal point or a mantissa other than 1 (0.0066, 2.5·10⁻⁵,
3e-6), a percentage, and any number after "about", "roughly", "≈", "~" and the like. Not
flagged: integers, powers of ten standing alone (10⁻⁵, 1e-7: tolerances and step sizes),
section numbers (§6.2, exercise 3.2, a heading's 2.1), and anything in code spans, code
blocks, link targets and HTML tags.

    python tools/prose_numbers.py                      # every notebook: what is flagged, exit 1 if any
    python tools/prose_numbers.py notebooks/04_*.ipynb
"""

import argparse
import json
import math
import pathlib
import re
import sys
from dataclasses import dataclass

ROOT = pathlib.Path(__file__).resolve().parent.parent

SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")
# Words and symbols after which a number is an approximation, so it was measured or estimated.
APPROXIMATELY = r"(?:about|around|roughly|approximately|nearly|almost|≈|~|∼|\\approx|\\sim|\\simeq)"
# Words after which a dotted number is a reference to a part of the course, not a quantity.
REFERENCE = r"(?:§|section|sections|exercise|exercises|question|questions|step|steps|figure|python|version)"
MARKER = re.compile(r"<!--\s*(exact|=(.*?))\s*-->", re.S)
# A number: a mantissa, then an optional power of ten in any of the ways the notebooks write one.
NUMBER = re.compile(
    r"(?<![\w.\\^_])"  # not inside a name (x2, \tfrac14 is fine: integers are not flagged anyway)
    r"(?P<mantissa>\d{1,3}(?:,\d{3})+(?!\d)|\d+\.\d+|\d+)"
    r"(?P<power>"
    r"[eE][+\-−]?\d+"  # 1.4e-3
    r"|\s*(?:\\cdot|\\times|·|×)\s*10\s*(?:\^\s*\{?\s*[+\-−]?\s*\d+\s*\}?|[⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+)"  # 2.5\cdot10^{-5}, 2.5·10⁻⁵
    r"|\s*\^\s*\{?\s*[+\-−]?\s*\d+\s*\}?"  # 10^{-5}, 4^5
    r"|[⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+"  # 10⁻⁵, 4⁵
    r")?"
    r"(?P<percent>\s*\\?%)?"
)
EXPRESSION_NAMES = {name: getattr(math, name) for name in ("exp", "log", "sqrt", "tanh", "pi", "e", "log10")}


@dataclass
class Number:
    """One number as written in a Markdown cell, with what the text says about it."""

    cell: int
    start: int  # offset in the cell's source
    end: int
    text: str
    value: float
    place: float  # the place of the last digit written: the number stands for value ± place / 2
    reason: str  # why it looks measured ("" when it does not)
    context: str


@dataclass
class Finding:
    """A problem: a number that looks measured with nothing to vouch for it, or a bad marker."""

    cell: int
    message: str

    def __str__(self):
        return f"cell {self.cell}: {self.message}"


def _blank(text, pattern, flags=0):
    """text with every match of pattern replaced by spaces (offsets stay where they were)."""
    return re.sub(pattern, lambda m: re.sub(r"[^\n]", " ", m.group(0)), text, flags=flags)


def _prose_and_math(text):
    """(text with code, links and HTML blanked out, [(start, end) of each math span], markers).

    markers: [(start, end, kind, expression)], found before the HTML is blanked.
    """
    text = _blank(text, r"^(```|~~~).*?^\1[^\n]*$", re.S | re.M)  # fenced code blocks
    text = _blank(text, r"(`+)(?!`).+?(?<!`)\1(?!`)", re.S)  # code spans
    markers = [(m.start(), m.end(), m.group(1).split("=")[0].strip() or "=", (m.group(2) or "").strip())
               for m in MARKER.finditer(text)]
    text = _blank(text, r"<!--.*?-->", re.S)
    text = _blank(text, r"\]\([^)]*\)")  # link targets
    text = _blank(text, r"<[^>\n]*>")  # HTML tags (their attributes hold numbers that are not prose)
    text = _blank(text, r"^\s*#+\s*\d+(?:\.\d+)*", re.M)  # a heading's own section number
    spans = [(m.start(), m.end()) for m in re.finditer(r"\$\$.+?\$\$|(?<![\\$])\$(?!\$).+?(?<![\\$])\$", text, re.S)]
    return text, spans, markers


def _parse(match):
    """(value, place) of a NUMBER match."""
    mantissa = match.group("mantissa").replace(",", "")
    power = (match.group("power") or "").translate(SUPERSCRIPTS).replace("−", "-")
    decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
    exponent = 0
    if re.match(r"\s*[eE]", power):  # 1.4e-3
        exponent = int(power.strip()[1:])
    elif re.search(r"\\cdot|\\times|·|×", power):  # 2.5\cdot10^{-5}, 2.5·10⁻⁵
        exponent = int(re.sub(r"[^\d\-]", "", power.split("10", 1)[1]))
    elif power:  # a power of the mantissa itself, 10^{-5} or 4^5: exact
        return float(mantissa) ** int(re.sub(r"[^\d\-]", "", power)), 0.0
    value = float(mantissa) * 10.0**exponent
    if decimals:
        place = 10.0 ** (exponent - decimals)
    else:  # an integer: its last non-zero digit says how precise it is (about 300 is ±50)
        zeros = len(mantissa) - len(mantissa.rstrip("0")) if mantissa.strip("0") else 0
        place = 10.0 ** (exponent + zeros)
    return value, place


def _reason(text, match, value):
    """Why the number looks measured, or "" when it does not."""
    before = text[max(0, match.start() - 24):match.start()]
    mantissa, power = match.group("mantissa"), match.group("power") or ""
    if re.search(rf"{REFERENCE}\s*$", before, re.I) and "." in mantissa and not power:
        return ""  # §6.2, exercise 3.2
    if match.group("percent"):
        return "a percentage"
    if re.search(rf"{APPROXIMATELY}\s*[\-−]?\s*$", before, re.I) and value != 0:
        return "an approximation"
    pure_power = power and not re.match(r"\s*[eE]|\s*(\\cdot|\\times|·|×)", power)
    if "." in mantissa and not pure_power:
        return "a decimal"
    if re.match(r"\s*[eE]|\s*(\\cdot|\\times|·|×)", power) and float(mantissa) != 1:
        return "a mantissa other than 1"
    return ""


def numbers_in(text, cell=0):
    """Every number in one Markdown cell's text, [Number], and its markers [(start, end, kind, expr)]."""
    clean, spans, markers = _prose_and_math(text)
    found = []
    for match in NUMBER.finditer(clean):
        in_math = any(a <= match.start() < b for a, b in spans)
        value, place = _parse(match)
        sign = re.search(r"(?:^|[^\w)\]}])\s*([\-−])\s*$", clean[max(0, match.start() - 3):match.start()])
        if sign and in_math:
            value = -value
        reason = _reason(clean, match, value)
        context = re.sub(r"\s+", " ", text[max(0, match.start() - 40):match.end() + 25]).strip()
        found.append(Number(cell, match.start(), match.end(), match.group(0).strip(), value, place, reason, context))
    return found, spans, markers


def _bound(numbers, spans, text, marker_start):
    """The flagged numbers a marker at marker_start vouches for: those of the math span that ends
    right before it, else the number that ends right before it."""
    end = len(text[:marker_start].rstrip())
    span = next((s for s in spans if s[1] == end), None)
    if span is not None:
        return [n for n in numbers if span[0] <= n.start < span[1] and n.reason]
    number = next((n for n in numbers if n.end == end and n.reason), None)
    return [number] if number else []


def _evaluate(expression):
    import numpy as np

    import nnlib

    return eval(expression, {"__builtins__": {}, "np": np, "math": math, "nnlib": nnlib, **EXPRESSION_NAMES})


def _agrees(number, value):
    value = float(value)
    return math.isfinite(value) and abs(value - number.value) <= number.place / 2 * (1 + 1e-9) + 1e-300


def check_cell(text, cell=0):
    """[Finding] for one Markdown cell: flagged numbers with no marker, markers that bind
    nothing, and expressions whose values the written numbers do not round to."""
    numbers, spans, markers = numbers_in(text, cell)
    clean = _prose_and_math(text)[0]
    vouched, findings = set(), []
    for start, _, kind, expression in markers:
        bound = _bound(numbers, spans, clean, start)
        if not bound:
            findings.append(Finding(cell, f"a marker <!-- {kind} {expression} --> right after "
                                          f"“{text[max(0, start - 40):start].strip()}” vouches for no number "
                                          f"that looks measured: put it right after the number or its $...$ span"))
            continue
        vouched.update(id(n) for n in bound)
        if kind == "exact":
            continue
        try:
            values = _evaluate(expression)
        except Exception as err:  # the message names the expression; any error is the author's to see
            findings.append(Finding(cell, f"<!-- = {expression} --> does not evaluate: {type(err).__name__}: {err}"))
            continue
        values = list(values) if isinstance(values, (tuple, list)) else [values]
        if len(values) != len(bound):
            findings.append(Finding(cell, f"<!-- = {expression} --> gives {len(values)} value(s) for "
                                          f"{len(bound)} number(s): {[n.text for n in bound]}"))
            continue
        for number, value in zip(bound, values):
            if not _agrees(number, value):
                findings.append(Finding(cell, f"{number.text!r} in “{number.context}” should be {float(value):.6g} "
                                              f"(= {expression}), to the {number.place:g} it is written to"))
    for number in numbers:
        if number.reason and id(number) not in vouched:
            findings.append(Finding(cell, f"{number.text!r} ({number.reason}) in “{number.context}”: print it from "
                                          f"the cell that measures it, or mark it <!-- = EXPR --> or <!-- exact -->"))
    return findings


def check_notebook(path):
    """[Finding] for every Markdown cell of the notebook at path."""
    nb = json.loads(pathlib.Path(path).read_text(encoding="utf-8"))
    findings = []
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "markdown":
            text = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            findings += check_cell(text, i)
    return findings


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=pathlib.Path)
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted((ROOT / "notebooks").glob("*.ipynb"))
    total = 0
    for path in paths:
        findings = check_notebook(path)
        total += len(findings)
        print(f"{path.name}: {len(findings) or 'nothing'} flagged")
        for finding in findings:
            print(f"  {finding}")
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
