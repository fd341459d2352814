"""Assignment 6, optimisers and normalisation: a momentum step, an Adam step with bias correction,
batch normalisation's forward and backward passes, inverted dropout's forward and backward passes.

References: nnlib.Momentum and nnlib.Adam (their state set to the case's, then one step()),
nnlib.batchnorm_forward and batchnorm_backward, and for dropout the rule the library follows
(nnlib.dropout_backward with the mask the learner's own forward pass drew, rescaled). The wrong
variants below are the slips students make, each computed from the case's inputs.
"""

import math

import numpy as np

import nnlib
from nnlib.dropout import DropoutCache

from .engine import (
    Case,
    Fail,
    Mistake,
    Task,
    call,
    check_own_rng,
    compare,
    diagnose,
    learner,
    lit,
    make,
    one_of,
    ref,
    returned,
    unpack,
)
from .generic import input_variants, merged

# ------------------------------------------------------------------ 6.1 momentum


def momentum_reference(params, grads, velocities, lr, beta):
    """(params, velocities) after one nnlib.Momentum step from the given velocities (new dicts)."""
    params = {k: p.copy() for k, p in params.items()}
    opt = nnlib.Momentum([(params[k], grads[k].copy()) for k in params], lr, beta)
    for v, k in zip(opt.velocities, params):
        v[...] = velocities[k]
    opt.step()
    return params, dict(zip(params, opt.velocities))


def velocity_mistakes(name, g, v, lr, beta):
    return [Mistake(f"your velocities[{name!r}] is β·v + (1 − β)·g, an exponential average (Adam's first moment); "
                    "torch's momentum adds the whole gradient: v ← βv + g", beta * v + (1 - beta) * g,
                    "dampened momentum: (1 − β)·g"),
            Mistake(f"your velocities[{name!r}] is (1 − β)·v + β·g: β and 1 − β are swapped, and the gradient gets "
                    "no 1 − β here anyway. v ← βv + g keeps β of the old velocity", (1 - beta) * v + beta * g,
                    "β and 1 − β swapped"),
            Mistake(f"your velocities[{name!r}] is β·v − η·g, the other convention (v ← βv − ηg, p ← p + v). Here "
                    "the velocity is torch's: v ← βv + g, and p ← p − ηv", beta * v - lr * g,
                    "velocity holds −η·g (the p ← p + v convention)"),
            Mistake(f"your velocities[{name!r}] did not change: the new velocity must stay in velocities[{name!r}] "
                    "for the next step (`v = beta * v + g` makes a new array and leaves the dict as it was; write "
                    "`v[...] = beta * v + g` or `velocities[name] = ...`)", v, "velocity not stored"),
            Mistake(f"your velocities[{name!r}] is the gradient alone: the old velocity is missing, v ← βv + g", g,
                    "old velocity dropped"),
            Mistake(f"your velocities[{name!r}] is β·v − g, the gradient subtracted: v ← βv + g", beta * v - g,
                    "gradient subtracted from v"),
            Mistake(f"your velocities[{name!r}] is β·v + η·g: the learning rate multiplies the gradient here and "
                    "again in the step p ← p − ηv, so it counts twice. v ← βv + g, without η", beta * v + lr * g,
                    "η·g in the velocity (learning rate twice)"),
            Mistake(f"your velocities[{name!r}] is v + β·g: β multiplies the old velocity, v ← βv + g",
                    v + beta * g, "β on the gradient"),
            Mistake(f"your velocities[{name!r}] is v + g: the old velocity is not shrunk by β, v ← βv + g", v + g,
                    "β missing"),
            Mistake(f"your velocities[{name!r}] is β·(v + g): β shrinks the gradient too. Only the old velocity is "
                    "shrunk: v ← βv + g", beta * (v + g), "β on the gradient too")]


def momentum_param_mistakes(name, p, g, v, lr, beta):
    new = beta * v + g
    return [Mistake(f"your params[{name!r}] moved by η times the old velocity: update v first, then move p with "
                    "the new one, p ← p − ηv", p - lr * v, "p moved with the old velocity"),
            Mistake(f"your params[{name!r}] moved by η·g, plain gradient descent: move it by the velocity, "
                    "p ← p − ηv", p - lr * g, "velocity not used"),
            Mistake(f"your params[{name!r}] moved uphill: p ← p − ηv subtracts the step", p + lr * new,
                    "moved uphill"),
            Mistake(f"your params[{name!r}] moved by η·(g + β·v_new), Nesterov's look-ahead; this exercise asks for "
                    "the heavy ball, p ← p − ηv", p - lr * (g + beta * new), "Nesterov instead of heavy ball"),
            Mistake(f"your params[{name!r}] moved by the whole velocity: the learning rate is missing, p ← p − ηv",
                    p - new, "learning rate missing"),
            Mistake(f"your params[{name!r}] did not change: update every parameter in place, p -= lr * v", p,
                    "a parameter left out")]


def _dict_after(step, name, keys, what):
    after = step.after.get(name)
    if not isinstance(after, dict) or set(after) != set(keys):
        raise Fail(f"after {what}, {name} should still hold {sorted(keys)}, it holds "
                   f"{sorted(map(str, after)) if isinstance(after, dict) else after!r}",
                   mistake=f"changed the keys of {name}")
    return after


def _grads_untouched(step, grads, what):
    for name, g in grads.items():
        now = step.after.get("grads", {}).get(name)
        if not (isinstance(now, np.ndarray) and np.array_equal(now, g)):
            raise Fail(f"{what} changed grads[{name!r}]: the gradients must be left alone (`g *= ...` scales them "
                       "in place). Compute with new arrays.", mistake="changed the gradients")


def _params_in_place(step, params, what):
    after, same = step.after.get("params"), step.same.get("params", {})
    if all(np.array_equal(after[k], params[k]) for k in params):
        raise Fail("params did not change. If your loop does `p = p - ...`, that makes a new array and leaves "
                   "params[name] as it was: update the array itself with `p -= ...`.",
                   mistake="p = p − ... (a new array, params unchanged)")
    for name in params:
        if not same.get(name, True):
            raise Fail(f"{what} put a new array into params[{name!r}]: the values may be right, but a model that "
                       f"holds the old array never sees them. Update in place: `p -= ...`",
                       mistake="a new array instead of in place")


def _shapes(rng, hidden):
    if not hidden:
        return {"W": (3, 2), "b": (2,)}
    n_in, n_out = int(rng.integers(1, 5)), int(rng.integers(1, 5))
    return {"W": (n_in, n_out), "b": (n_out,)}


class MomentumUpdate(Task):
    test_id, exercise, functions = "ex6_1_tests", "6.1", ("momentum_update",)
    forbidden_names = ("nnlib.Momentum", "nnlib.Adam", "nnlib.sgd_step")

    def cases(self, rng, hidden):
        out = []
        # a velocity that is not zero first: with v = 0 a step taken with the old velocity would not move p at all
        for fresh in ((False, True) if not hidden else (False, bool(rng.integers(2)))):
            shapes = _shapes(rng, hidden)
            params = {k: rng.normal(size=s) for k, s in shapes.items()}
            grads = {k: rng.normal(size=s) for k, s in shapes.items()}
            velocities = {k: (np.zeros(s) if fresh else rng.normal(size=s)) for k, s in shapes.items()}
            # lr ≠ 1 − β: a velocity that adds η·g and one that adds (1 − β)·g must not give the same numbers
            lr, beta = (0.05, 0.9) if not hidden else (float(rng.uniform(0.05, 0.5)), float(rng.uniform(0.6, 0.95)))
            steps = [make("params", params), make("grads", grads), make("velocities", velocities),
                     call(learner("momentum_update"), ref("params"), ref("grads"), ref("velocities"), lit(lr),
                          lit(beta), report=("params", "grads", "velocities"))]
            where = f"lr = {lr:.3g}, beta = {beta:.3g}, " + ("velocities at zero" if fresh else "velocities not zero")
            out.append(Case(steps, {"params": params, "grads": grads, "velocities": velocities, "lr": lr,
                                    "beta": beta}, where))
        return out

    def judge(self, case, calls):
        c = case.context
        params, grads, velocities, lr, beta = c["params"], c["grads"], c["velocities"], c["lr"], c["beta"]
        step = calls[-1]
        returned(step, "momentum_update")
        _grads_untouched(step, grads, "momentum_update")
        p_after = _dict_after(step, "params", params, "momentum_update")
        v_after = _dict_after(step, "velocities", params, "momentum_update")
        want_p, want_v = momentum_reference(params, grads, velocities, lr, beta)
        for name in params:
            ingredients = {"g (the gradient)": grads[name], "v (the old velocity)": velocities[name], "lr (η)": lr,
                           "beta (β)": beta}

            def one(part, p=params[name], **k):
                return momentum_reference({"q": p}, {"q": k["g"]}, {"q": k["v"]}, k["lr"], k["beta"])[part]["q"]
            compare(f"velocities[{name!r}] after the step", v_after[name], want_v[name],
                    velocity_mistakes(name, grads[name], velocities[name], lr, beta)
                    + input_variants(lambda **k: one(1, **k), ingredients, f"velocities[{name!r}]"), where=case.where,
                    sizes={"η (lr)": lr, "β": beta, "1 − β": 1 - beta})
        _params_in_place(step, params, "momentum_update")
        for name in params:
            compare(f"params[{name!r}] after the step", p_after[name], want_p[name],
                    momentum_param_mistakes(name, params[name], grads[name], velocities[name], lr, beta),
                    where=case.where, start=params[name], sizes={"η (lr)": lr, "β": beta, "1 − β": 1 - beta})


# ------------------------------------------------------------------ 6.2 Adam

def adam_reference(params, grads, m, v, t, lr, beta1, beta2, eps):
    """(params, m, v) after nnlib.Adam's step number t from the given moments (new dicts)."""
    params = {k: p.copy() for k, p in params.items()}
    opt = nnlib.Adam([(params[k], grads[k].copy()) for k in params], lr, beta1, beta2, eps)
    for k, m_k, v_k in zip(params, opt.first_moments, opt.second_moments):
        m_k[...], v_k[...] = m[k], v[k]
    opt.t = t - 1  # step() counts this step
    opt.step()
    return params, dict(zip(params, opt.first_moments)), dict(zip(params, opt.second_moments))


def adam_variant(p, g, m, v, t, lr, b1, b2, eps, *, correct=(True, True), swap=(False, False), square=True,
                 eps_inside=False, sqrt=True, t_used=None, power_outside=False, eps_on_step=False, betas=None,
                 hat_betas=None, g2=None, hats=None):
    """One entry-wise Adam step with the slips named by the flags: (p, m, v) afterwards. betas: the (β, β)
    the moments m and v are averaged with; hat_betas: those of their bias corrections; g2: what stands where
    g² belongs (when not None); hats: the numbers m and v are divided by for m̂ and v̂ (instead of the
    corrections the other flags give)."""
    with np.errstate(all="ignore"):
        mb, vb = betas or (b1, b2)
        hb1, hb2 = hat_betas or (b1, b2)
        m_new = (1 - mb) * m + mb * g if swap[0] else mb * m + (1 - mb) * g
        if g2 is None:
            g2 = g * g if square else g
        v_new = (1 - vb) * v + vb * g2 if swap[1] else vb * v + (1 - vb) * g2
        tt = t if t_used is None else t_used
        m_hat = m_new / ((1 - hb1) ** tt if power_outside else 1 - hb1 ** tt) if correct[0] else m_new
        v_hat = v_new / ((1 - hb2) ** tt if power_outside else 1 - hb2 ** tt) if correct[1] else v_new
        if hats is not None:
            m_hat, v_hat = m_new / hats[0], v_new / hats[1]
        if eps_on_step:  # lr * m̂ / √v̂ + ε: the ε added to the step, not to the denominator
            return p - (lr * m_hat / np.sqrt(v_hat) + eps), m_new, v_new
        root = np.sqrt(v_hat + eps) if eps_inside else (np.sqrt(v_hat) + eps if sqrt else v_hat + eps)
        return p - lr * m_hat / root, m_new, v_new


def adam_mistakes(name, p, g, m, v, t, lr, b1, b2, eps):
    """{"m": [...], "v": [...], "p": [...]}: the Mistakes of each quantity after the step."""
    def var(**flags):
        return adam_variant(p, g, m, v, t, lr, b1, b2, eps, **flags)
    out = {"m": [Mistake(f"your m[{name!r}] is (1 − β₁)·m + β₁·g: β₁ and 1 − β₁ are swapped. The running average "
                         "keeps β₁ of the old m and adds 1 − β₁ of the gradient: m ← β₁m + (1 − β₁)g",
                         var(swap=(True, False))[1], "β and 1 − β swapped"),
                 Mistake(f"your m[{name!r}] did not change: store the new moment in m[name] (`m_k = ...` on a local "
                         "name leaves the dict as it was)", m, "moment not stored"),
                 Mistake(f"your m[{name!r}] is β₁·m + g: the gradient's weight 1 − β₁ is missing, "
                         "m ← β₁m + (1 − β₁)g", b1 * m + g, "1 − β missing"),
                 Mistake(f"your m[{name!r}] is the bias-corrected m̂: keep the raw average in m (m̂ is only for the "
                         "step; the next step starts from m)", var()[1] / (1 - b1 ** t), "m̂ stored instead of m"),
                 Mistake(f"your m[{name!r}] is averaged with β₂ where β₁ belongs: m ← β₁m + (1 − β₁)g, "
                         "v ← β₂v + (1 − β₂)g²", var(betas=(b2, b2))[1], "β₂ where β₁ belongs (m)")],
           "v": [Mistake(f"your v[{name!r}] is (1 − β₂)·v + β₂·g²: β₂ and 1 − β₂ are swapped, "
                         "v ← β₂v + (1 − β₂)g²", var(swap=(False, True))[2], "β and 1 − β swapped"),
                 Mistake(f"your v[{name!r}] averages g, not its square g²: v ← β₂v + (1 − β₂)g²",
                         var(square=False)[2], "g instead of g² in v"),
                 Mistake(f"your v[{name!r}] did not change: store the new moment in v[name]", v,
                         "moment not stored"),
                 Mistake(f"your v[{name!r}] is the bias-corrected v̂: keep the raw average in v",
                         var()[2] / (1 - b2 ** t), "v̂ stored instead of v"),
                 Mistake(f"your v[{name!r}] is averaged with β₁ where β₂ belongs: v ← β₂v + (1 − β₂)g²",
                         var(betas=(b1, b1))[2], "β₁ where β₂ belongs (v)"),
                 *[Mistake(f"your v[{name!r}] averages {what} where g² belongs: v ← β₂v + (1 − β₂)g², the gradient "
                           "squared (g ** 2 or g * g)", var(g2=value)[2], f"{what} instead of g²")
                   for what, value in (("2g (g * 2)", 2 * g), ("|g|", np.abs(g)), ("2g²", 2 * g * g))]],
           "p": [Mistake(f"your params[{name!r}] moved by η·m/(√v + ε): the bias correction is missing. m and v start "
                         "at 0, so divide them by 1 − β₁ᵗ and 1 − β₂ᵗ before the step",
                         var(correct=(False, False))[0], "no bias correction"),
                 Mistake(f"your params[{name!r}] moved with m corrected but not v: v̂ = v / (1 − β₂ᵗ) too",
                         var(correct=(True, False))[0], "no bias correction of v"),
                 Mistake(f"your params[{name!r}] moved with v corrected but not m: m̂ = m / (1 − β₁ᵗ) too",
                         var(correct=(False, True))[0], "no bias correction of m"),
                 Mistake(f"your params[{name!r}] moved with the bias correction of step t + 1: t is this step's "
                         "number already (1 for the first)", var(t_used=t + 1)[0], "t off by one"),
                 Mistake(f"your params[{name!r}] moved with the bias correction of step t − 1: t is this step's "
                         "number (1 for the first)", var(t_used=t - 1)[0], "t off by one"),
                 Mistake(f"your params[{name!r}] moved by η·m̂/√(v̂ + ε): ε goes outside the square root, "
                         "η·m̂/(√v̂ + ε)", var(eps_inside=True)[0], "ε inside the square root"),
                 Mistake(f"your params[{name!r}] moved with the bias correction (1 − β)ᵗ, the power of 1 − β; it is "
                         "1 − βᵗ, one minus the power: m̂ = m / (1 - beta1 ** t), v̂ = v / (1 - beta2 ** t)",
                         var(power_outside=True)[0], "(1 − β)ᵗ instead of 1 − βᵗ"),
                 Mistake(f"your params[{name!r}] moved by η·m̂/√v̂ + ε: ε is added to the step instead of to the "
                         "denominator. Brackets: lr * m_hat / (np.sqrt(v_hat) + eps)", var(eps_on_step=True)[0],
                         "ε added to the step"),
                 *[Mistake(f"your params[{name!r}] moved with {text}: each moment is corrected with its own β, "
                           "m̂ = m / (1 − β₁ᵗ), v̂ = v / (1 − β₂ᵗ)", var(hat_betas=hb)[0], label)
                   for text, hb, label in (("m̂ = m / (1 − β₂ᵗ), β₂ where β₁ belongs", (b2, b2),
                                            "β₂ in m's bias correction"),
                                           ("v̂ = v / (1 − β₁ᵗ), β₁ where β₂ belongs", (b1, b1),
                                            "β₁ in v's bias correction"),
                                           ("the two bias corrections swapped, m / (1 − β₂ᵗ) and v / (1 − β₁ᵗ)",
                                            (b2, b1), "bias corrections swapped"))],
                 Mistake(f"your params[{name!r}] moved by η·m̂/(v̂ + ε): the square root of v̂ is missing",
                         var(sqrt=False)[0], "square root missing"),
                 Mistake(f"your params[{name!r}] moved uphill: p ← p − η·m̂/(√v̂ + ε) subtracts the step",
                         2 * p - var()[0], "moved uphill")]}
    out["p"] += bias_correction_slips(name, var, t, b1, b2)
    if t == 1:  # m̂ = g, v̂ = g² exactly: a step of η·g/(|g| + ε)
        out["p"].append(Mistake(f"your params[{name!r}] moved by η·g, plain gradient descent: Adam divides by "
                                "√v̂ + ε", p - lr * g, "plain gradient descent"))
    return out


def _corrections(beta, sym, t):
    """(what m or v is divided by, what is wrong with it, the number) for a bias correction 1 − βᵗ (first,
    with nothing wrong) and its slips."""
    return [(f"(1 − {sym}ᵗ)", "", 1 - beta ** t), (f"(1 − {sym})", "the power t missing", 1 - beta),
            (f"(1 − {sym})ᵗ", f"the power of 1 − {sym}, not 1 minus the power", (1 - beta) ** t),
            ("1", "not corrected", 1.0), (f"(1 − {sym}^(t + 1))", "one step ahead", 1 - beta ** (t + 1)),
            (f"(1 − {sym}^(t − 1))", "one step behind", 1 - beta ** (t - 1))]


def bias_correction_slips(name, var, t, b1, b2):
    """Mistakes of params after the step for every pair of bias corrections, m's and v's, each right or one
    of its slips (_corrections) that differs from the right one at this t: the power t missing in one, say.
    (Neither corrected, or one alone, is adam_mistakes' own.) var(**flags) is adam_variant."""
    out = []
    m_ways, v_ways = _corrections(b1, "β₁", t), _corrections(b2, "β₂", t)
    for m_by, m_slip, m_value in m_ways:
        for v_by, v_slip, v_value in v_ways:
            slips = [(what, by, slip) for what, by, slip, value, right in (
                ("m", m_by, m_slip, m_value, m_ways[0][2]), ("v", v_by, v_slip, v_value, v_ways[0][2]))
                if slip and not math.isclose(value, right, rel_tol=1e-12)]
            if {slip for *_, slip in slips} <= {"not corrected"} or 0 in (m_value, v_value):
                continue  # right here, or one of adam_mistakes' own (neither corrected, or one alone)
            text = " and ".join(f"{what}̂ = {what} / {by} ({slip})" for what, by, slip in slips)
            out.append(Mistake(f"your params[{name!r}] moved with {text}: each moment is divided by 1 − βᵗ with "
                               f"this step's t = {t}, m̂ = m / (1 − β₁ᵗ), v̂ = v / (1 − β₂ᵗ)",
                               var(hats=(m_value, v_value))[0],
                               ", ".join(f"{what}/{by}: {slip}" for what, by, slip in slips)))
    return out


class AdamUpdate(Task):
    test_id, exercise, functions = "ex6_2_tests", "6.2", ("adam_update",)
    forbidden_names = ("nnlib.Adam", "nnlib.Momentum", "nnlib.sgd_step")

    def cases(self, rng, hidden):
        out = []
        # (moments at zero, t): the first step; a later one. Hidden: also moments at zero at a later t (a
        # parameter whose gradient was 0 so far), where v̂ stored for v and v ← g² (β₂ left out), equal at t = 1, differ
        kinds = [(True, 1), (False, 4)] if not hidden else [(bool(rng.integers(2)), None), (False, None),
                                                            (True, int(rng.integers(2, 12)))]
        for first, t in kinds:
            shapes = _shapes(rng, hidden)
            params = {k: rng.normal(size=s) for k, s in shapes.items()}
            grads = {k: rng.normal(size=s) for k, s in shapes.items()}
            if first:
                m = {k: np.zeros(s) for k, s in shapes.items()}
                v = {k: np.zeros(s) for k, s in shapes.items()}
                t = t or 1
            else:
                m = {k: 0.5 * rng.normal(size=s) for k, s in shapes.items()}
                # small second moments: √v̂ is then of the order of ε, so where ε goes shows
                v = {k: 1e-3 * rng.uniform(0.2, 1.5, size=s) for k, s in shapes.items()}
                t = t or int(rng.integers(2, 12))
            if not hidden:
                lr, b1, b2, eps = 0.01, 0.9, 0.999, (1e-8 if first else 1e-3)
            else:
                lr, b1 = float(rng.uniform(0.001, 0.1)), float(rng.uniform(0.6, 0.95))
                b2 = float(rng.uniform(0.9, 0.999))
                eps = float(10.0 ** rng.uniform(-4, -2))
            steps = [make("params", params), make("grads", grads), make("m", m), make("v", v),
                     call(learner("adam_update"), ref("params"), ref("grads"), ref("m"), ref("v"), lit(t), lit(lr),
                          lit(b1), lit(b2), lit(eps), report=("params", "grads", "m", "v"))]
            where = (f"t = {t}, lr = {lr:.3g}, beta1 = {b1:.3g}, beta2 = {b2:.4g}, eps = {eps:.3g}, "
                     + ("m and v at zero" if first else "m and v not zero"))
            out.append(Case(steps, {"params": params, "grads": grads, "m": m, "v": v, "t": t, "lr": lr, "b1": b1,
                                    "b2": b2, "eps": eps}, where))
        return out

    def judge(self, case, calls):
        c = case.context
        params, grads = c["params"], c["grads"]
        step = calls[-1]
        returned(step, "adam_update")
        _grads_untouched(step, grads, "adam_update")
        got = {k: _dict_after(step, k, params, "adam_update") for k in ("params", "m", "v")}
        want_p, want_m, want_v = adam_reference(params, grads, c["m"], c["v"], c["t"], c["lr"], c["b1"], c["b2"],
                                                c["eps"])
        mistakes = {k: adam_mistakes(k, params[k], grads[k], c["m"][k], c["v"][k], c["t"], c["lr"], c["b1"],
                                     c["b2"], c["eps"]) for k in params}
        named = {"η (lr)": c["lr"], "β₁ (beta1)": c["b1"], "β₂ (beta2)": c["b2"], "1 − β₁": 1 - c["b1"],
                 "1 − β₂": 1 - c["b2"]}
        for name in params:
            ingredients = {"g (the gradient)": grads[name], "m (the old first moment)": c["m"][name],
                           "v (the old second moment)": c["v"][name], "lr (η)": c["lr"], "beta1 (β₁)": c["b1"],
                           "beta2 (β₂)": c["b2"], "eps (ε)": c["eps"]}
            for part, key in enumerate(("p", "m", "v")):
                mistakes[name][key] = merged(mistakes[name][key] + input_variants(
                    lambda part=part, p=params[name], **k: adam_variant(
                        p, k["g"], k["m"], k["v"], c["t"], k["lr"], k["beta1"], k["beta2"], k["eps"])[part],
                    ingredients, f"{key}[{name!r}]", swaps=False,
                    notes={"beta1": " (m̂ is then the gradient g itself: the raw gradient where m̂ belongs?)",
                           "beta2": " (v̂ is then g²: the square of the raw gradient where v̂ belongs?)"}))
        for name in params:
            compare(f"m[{name!r}] after the step", got["m"][name], want_m[name], mistakes[name]["m"], where=case.where,
                    sizes=named)
            compare(f"v[{name!r}] after the step", got["v"][name], want_v[name], mistakes[name]["v"], where=case.where,
                    sizes=named)
        _params_in_place(step, params, "adam_update")
        for name in params:
            compare(f"params[{name!r}] after the step", got["params"][name], want_p[name], mistakes[name]["p"],
                    where=case.where, start=params[name], sizes=named)


# ------------------------------------------------------------------ 6.3 batch normalisation

def unbiased_batchnorm(x, gamma, beta, eps):
    """Batch norm with the variance divided by N − 1: (out, x_hat, sigma)."""
    centred = x - x.mean(axis=0)
    sigma = np.sqrt((centred ** 2).sum(axis=0) / (len(x) - 1) + eps)
    x_hat = centred / sigma
    return gamma * x_hat + beta, x_hat, sigma


_UNBIASED = ("the variance is divided by N − 1 (np.var(..., ddof=1), or .std(ddof=1)); batch norm uses the batch's "
             "own spread, divided by N: σ² = mean((x − μ)²), np.var's default")


def forward_mistakes(x, gamma, beta, eps):
    mean, var = x.mean(axis=0), x.var(axis=0)
    with np.errstate(all="ignore"):
        row_mean, row_std = x.mean(axis=1, keepdims=True), np.sqrt(x.var(axis=1, keepdims=True) + eps)
        return [Mistake(f"your out is batch norm with {_UNBIASED}", unbiased_batchnorm(x, gamma, beta, eps)[0],
                        "variance divided by N − 1"),
                Mistake("your out divides x − μ by σ² + ε, the variance: divide by its square root, "
                        "σ = √(σ² + ε)", gamma * (x - mean) / (var + eps) + beta, "divided by the variance"),
                Mistake("your out divides by √σ² + ε: ε goes inside the square root, σ = √(σ² + ε)",
                        gamma * (x - mean) / (np.sqrt(var) + eps) + beta, "ε outside the square root"),
                Mistake("your out normalises each row (axis=1, layer norm); batch norm normalises each feature over "
                        "the batch: the mean and variance over axis=0", gamma * (x - row_mean) / row_std + beta,
                        "statistics over the wrong axis"),
                Mistake("your out is x̂ alone: scale and shift it, out = γ·x̂ + β", (x - mean) / np.sqrt(var + eps),
                        "γ and β not applied"),
                Mistake("your out is β·x̂ + γ: γ scales and β shifts, out = γ·x̂ + β",
                        beta * (x - mean) / np.sqrt(var + eps) + gamma, "γ and β swapped"),
                Mistake("your out is not centred: subtract the mean before dividing, x̂ = (x − μ)/σ",
                        gamma * x / np.sqrt(var + eps) + beta, "mean not subtracted"),
                Mistake("your out is γ·x + β: γ and β scale and shift the normalised x̂ = (x − μ)/σ, not x itself: "
                        "out = γ·x̂ + β", gamma * x + beta, "x where x̂ belongs"),
                Mistake("your out divides by √σ², without ε: σ = √(σ² + ε), and ε keeps the division safe when a "
                        "feature hardly varies", gamma * (x - mean) / np.sqrt(var) + beta, "ε missing"),
                *[Mistake(f"your out uses {text}: batch norm takes one mean and one variance per feature, over the "
                          "rows (axis=0); without an axis, .mean() and .var() give one number for the whole array",
                          gamma * (x - mu) / np.sqrt(va + eps) + beta, label)
                  for text, mu, va, label in (
                      ("one mean and one variance for the whole array", x.mean(), x.var(),
                       "scalar mean and variance (no axis=0)"),
                      ("one mean for the whole array", x.mean(), ((x - x.mean()) ** 2).mean(axis=0),
                       "scalar mean (no axis=0)"),
                      ("one variance for the whole array", mean, x.var(), "scalar variance (no axis=0)"))],
                *spread_slips(x, gamma, beta, eps)]


def spread_slips(x, gamma, beta, eps):
    """Batch norm with x − μ divided by a wrong spread: σ² computed wrongly (uncentred, summed, without
    the square ...) and/or the division by something other than σ = √(σ² + ε) (the variance itself, ε
    left out or outside the root), every pair of the two."""
    mean, n = x.mean(axis=0), len(x)
    variances = [("", "", ((x - mean) ** 2).mean(axis=0)),
                 ("mean(x²), the mean not subtracted before squaring", "uncentred variance",
                  (x ** 2).mean(axis=0)),
                 ("Σ(x − μ)², summed over the rows where the mean belongs", "variance summed, not averaged",
                  ((x - mean) ** 2).sum(axis=0)),
                 ("mean(x²) − μ, where mean(x²) − μ² would do", "mean(x²) − μ", (x ** 2).mean(axis=0) - mean),
                 ("mean(|x − μ|), without the square", "mean absolute deviation", np.abs(x - mean).mean(axis=0))]
    spreads = [("σ = √(σ² + ε)", "", lambda v: np.sqrt(v + eps)),
               ("σ², the variance itself: the square root and ε are missing", "divided by σ² (no root, no ε)",
                lambda v: v),
               ("σ² + ε, without the square root", "divided by the variance", lambda v: v + eps),
               ("√σ², without ε", "ε missing", np.sqrt), ("√σ² + ε, ε outside the root", "ε outside the square root",
                                                         lambda v: np.sqrt(v) + eps)]
    out = []
    with np.errstate(all="ignore"):
        for v_text, v_label, var in variances:
            for s_text, s_label, spread in spreads:
                if v_label or s_label:
                    said = " and ".join(part for part, label in (
                        (f"your out divides x − μ by {s_text}", s_label), (f"your σ² is {v_text}", v_label)) if label)
                    out.append(Mistake(f"{said}: batch norm divides x − μ by σ = √(σ² + ε), with σ² = mean((x − μ)²) "
                                       f"over the N = {n} rows", gamma * (x - mean) / spread(var) + beta,
                                       " and ".join(label for label in (v_label, s_label) if label)))
    return out


def backward_mistakes(x, gamma, beta, eps, dout):
    """{"dx", "dgamma", "dbeta"}: wrong variants, on the right forward pass (and the N − 1 one)."""
    n = len(x)
    _, cache = nnlib.batchnorm_forward(x, gamma, beta, eps=eps)
    x_hat, sigma = cache.x_hat, cache.sigma
    k = gamma / sigma
    mean_d, mean_dx = dout.mean(axis=0), (dout * x_hat).mean(axis=0)
    _, xu, su = unbiased_batchnorm(x, gamma, beta, eps)
    dx = [Mistake("your dx leaves out the path through the mean: μ depends on every x, so dx = dc − mean(dc) over "
                  "the rows (that is the − mean(dout) of the compact form)", k * (dout - x_hat * mean_dx),
                  "the mean's path forgotten"),
          Mistake("your dx leaves out the path through σ: σ² is computed from x too, so dc = dx̂/σ + dσ·x̂/N (the "
                  "− x̂·mean(dout·x̂) of the compact form)", k * (dout - mean_d), "the path through σ forgotten"),
          Mistake("your dx treats μ and σ as constants (γ·dout/σ, evaluation mode's gradient); in training both are "
                  "computed from the batch, so x reaches x̂ through them too", k * dout,
                  "the paths through μ and σ forgotten"),
          Mistake(f"your dx has N − 1 where N belongs in the path through σ: {_UNBIASED}, so ∂σ/∂cᵢ = x̂ᵢ/N",
                  k * (dout - mean_d - x_hat * (dout * x_hat).sum(axis=0) / (n - 1)), "variance divided by N − 1"),
          Mistake(f"your dx is the gradient of batch norm with {_UNBIASED}",
                  (gamma / su) * (dout - mean_d - xu * (dout * xu).sum(axis=0) / (n - 1)),
                  "variance divided by N − 1"),
          Mistake("your dx adds the path through σ with the wrong sign: ∂x̂/∂σ = −x̂/σ, so dx = (γ/σ)(dout − "
                  "mean(dout) − x̂·mean(dout·x̂))", k * (dout - mean_d + x_hat * mean_dx), "sign of the σ path"),
          Mistake("your path through σ is twice too large: σ = √(σ² + ε) brings a ½ with its derivative, "
                  "∂σ/∂cᵢ = x̂ᵢ/N", k * (dout - mean_d - 2 * x_hat * mean_dx), "the ½ of the square root missing"),
          Mistake("your path through σ is half what it should be: ∂σ/∂cᵢ = (2cᵢ/N)·1/(2σ) = x̂ᵢ/N, the 2 and the ½ "
                  "cancel", k * (dout - mean_d - 0.5 * x_hat * mean_dx), "path through σ halved"),
          Mistake("your dx is missing the factor γ: x̂ reaches out through γ, dx̂ = dout·γ",
                  (dout - mean_d - x_hat * mean_dx) / sigma, "γ missing"),
          Mistake("your dx is missing the 1/σ: x̂ = (x − μ)/σ", gamma * (dout - mean_d - x_hat * mean_dx),
                  "1/σ missing"),
          Mistake(f"your path through σ is N = {n} times too small: dsigma sums over the rows (every row's x̂ "
                  "depends on σ), dsigma = Σ dx̂·(−x̂/σ), not the mean", k * (dout - mean_d - x_hat * mean_dx / n),
                  "dsigma averaged instead of summed"),
          *[Mistake("your dsigma is not summed over the rows: σ is one number per feature, shared by every row, "
                    "so its gradient adds every row's share, dsigma = Σ dx̂·(−x̂/σ) over axis 0", dc - dc.mean(axis=0),
                    "dsigma not summed over the batch") for dc in [k * (dout - dout * x_hat ** 2 / n)]],
          *[Mistake(f"your dx takes the mean's path {text}: dx = dc − dc.mean(axis=0), one mean per feature over "
                    "the rows, as μ is", dc - mean_of(dc), label)
            for dc in [k * (dout - x_hat * mean_dx)]
            for text, mean_of, label in (("over the whole array (dc.mean() without axis=0)", lambda a: a.mean(),
                                          "mean over every entry (no axis=0)"),
                                         ("over each row (axis=1)", lambda a: a.mean(axis=1, keepdims=True),
                                          "mean over the wrong axis"))],
          *[Mistake(f"your dx (the compact form) has {text}: dx = (γ/σ)(dout − mean(dout) − x̂·mean(dout·x̂)), "
                    "both means over the rows", value, label)
            for text, value, label in (
                ("Σ(dout·x̂) where the mean belongs: that term is N times too large",
                 k * (dout - mean_d - x_hat * (dout * x_hat).sum(axis=0)), "sum instead of mean (x̂ term)"),
                ("Σ dout where the mean belongs: that term is N times too large",
                 k * (dout - dout.sum(axis=0) - x_hat * mean_dx), "sum instead of mean (dout term)"))],
          *[Mistake(f"your dx divides by {what} where σ = √(σ² + ε) belongs: the cache (or the backward pass) "
                    "holds the variance, not σ", (gamma / s_) * (dout - mean_d - x_hat * mean_dx),
                    "variance where σ belongs") for what, s_ in (("σ²", sigma ** 2 - eps), ("σ² + ε", sigma ** 2))]]
    # one piece of the chain off by a factor of the case: the direct path dx̂/σ or the path through σ,
    # (dσ·x̂/N with dσ = Σ dx̂·(−x̂/σ)), each times σ, 1/σ, γ or 1/γ (per feature)
    for piece, text_of in (("direct", "the direct path dx̂/σ"), ("σ", "the path through σ (dσ·x̂/N)")):
        for sym, f, why in (("σ", sigma, "a /σ lost (dσ = Σ dx̂·(−x̂/σ) divides by σ)" if piece == "σ" else
                             "its /σ lost"),
                            ("1/σ", 1 / sigma, "divided by σ once too often"),
                            ("γ", gamma, "γ applied twice"), ("1/γ", 1 / gamma, "γ missing"),
                            ("σ²", sigma ** 2, "(σ² + ε)^(−½) where (σ² + ε)^(−3/2) belongs, or two /σ lost"),
                            ("1/σ²", sigma ** -2, "divided by σ² (the variance) where nothing or σ belongs"),
                            ("−2", -2.0, "the −½ of (σ² + ε)^(−½)'s derivative missing"),
                            ("−½", -0.5, "a ½ too many, and the sign flipped"),
                            (f"N = {n}", float(n), "a sum where the mean belongs (or a /N missing)")):
            direct, through = (f, 1.0) if piece == "direct" else (1.0, f)
            dc = k * (direct * dout - through * x_hat * mean_dx)
            dx.append(Mistake(f"your dx has {text_of} times {sym}: {why}. dc = dx̂/σ + dσ·x̂/N with "
                              "dσ = Σ dx̂·(−x̂/σ), dx = dc − mean(dc)", dc - dc.mean(axis=0),
                              f"{'direct path' if piece == 'direct' else 'path through σ'} × {sym}"))
    dgamma = [Mistake("your dgamma sums dout alone: γ multiplies x̂, so dgamma = Σ dout·x̂ over the rows",
                      dout.sum(axis=0), "dgamma = Σ dout"),
              Mistake("your dgamma sums dout·x: γ multiplies the normalised x̂, dgamma = Σ dout·x̂",
                      (dout * x).sum(axis=0), "x instead of x̂"),
              Mistake("your dgamma averages over the rows: γ is used in every row, so the rows' shares add up, "
                      "dgamma = Σ dout·x̂", (dout * x_hat).mean(axis=0), "mean instead of sum"),
              Mistake("your dgamma is not summed over the rows: dgamma has γ's shape, Σ over axis 0",
                      dout * x_hat, "not summed over the batch")]
    dbeta = [Mistake("your dbeta averages over the rows: β is added to every row, so dbeta = Σ dout over axis 0",
                     dout.mean(axis=0), "mean instead of sum"),
             Mistake("your dbeta is not summed over the rows: dbeta has β's shape, Σ over axis 0", dout,
                     "not summed over the batch")]
    return {"dx": dx, "dgamma": dgamma, "dbeta": dbeta}


def _bn_case(rng, hidden):
    batch, n = (6, 3) if not hidden else (int(rng.integers(2, 9)), int(rng.integers(1, 5)))
    x = rng.normal(size=(batch, n)) * rng.uniform(0.5, 3, n) + rng.uniform(-2, 2, n)
    gamma, beta = rng.uniform(0.5, 2, n) * rng.choice([-1, 1], n), rng.normal(size=n)
    eps = 1e-5 if not hidden else float(10.0 ** rng.uniform(-5, -2))
    return x, gamma, beta, eps


class BatchnormForward(Task):
    test_id, exercise, functions = "ex6_3_forward_tests", "6.3", ("batchnorm_forward",)
    forbidden_names = ("nnlib.batchnorm_forward", "nnlib.batchnorm_backward", "nnlib.BatchNorm",
                       "nnlib.normalisation.batchnorm_running_forward")

    def cases(self, rng, hidden):
        out = []
        for _ in range(1 if not hidden else 2):
            x, gamma, beta, eps = _bn_case(rng, hidden)
            steps = [make("x", x), make("gamma", gamma), make("beta", beta),
                     call(learner("batchnorm_forward"), ref("x"), ref("gamma"), ref("beta"), lit(eps),
                          report=("x", "gamma", "beta"))]
            out.append(Case(steps, {"x": x, "gamma": gamma, "beta": beta, "eps": eps},
                            f"x {x.shape}, eps = {eps:.3g}"))
        return out

    def judge(self, case, calls):
        c = case.context
        got = unpack(returned(calls[-1], "batchnorm_forward"), "batchnorm_forward", ("out", "cache"))
        _inputs_kept(calls[-1], c, ("x", "gamma", "beta"), "batchnorm_forward")
        expected, _ = nnlib.batchnorm_forward(c["x"], c["gamma"], c["beta"], eps=c["eps"])
        mistakes = forward_mistakes(c["x"], c["gamma"], c["beta"], c["eps"]) + input_variants(
            lambda x, gamma, beta, eps: nnlib.batchnorm_forward(x, gamma, beta, eps=eps)[0],
            {"x": c["x"], "gamma (γ)": c["gamma"], "beta (β)": c["beta"], "eps (ε)": c["eps"]}, "out")
        compare("out", got[0], expected, mistakes, where=case.where)


def _forward_wrong(out, x, gamma, beta, eps):
    """The Fail of a backward test whose forward pass is wrong, naming its slip when the forward family knows it."""
    found = diagnose(out, forward_mistakes(x, gamma, beta, eps)) if out is not None and out.shape == x.shape else None
    return Fail("batchnorm_backward is tested on the cache of your batchnorm_forward, whose out is not right yet: "
                "make the forward test pass first." + (f"\n  Likely mistake there: {found.hint}" if found else ""),
                mistake="forward pass wrong (6.3 forward)" + (f": {found.name}" if found else ""))


def _inputs_kept(step, context, names, what):
    for name in names:
        now = step.after.get(name)
        if not (isinstance(now, np.ndarray) and np.array_equal(now, context[name])):
            raise Fail(f"{what} changed its input {name} in place: the caller's array must stay as it was; compute "
                       "new arrays instead (x - mean, not x -= mean)", mistake="changed its input in place")


class BatchnormBackward(Task):
    test_id, exercise, functions = "ex6_3_backward_tests", "6.3", ("batchnorm_backward", "batchnorm_forward")
    forbidden_names = BatchnormForward.forbidden_names

    def cases(self, rng, hidden):
        out = []
        for _ in range(2 if not hidden else 3):
            x, gamma, beta, eps = _bn_case(rng, hidden)
            dout = rng.normal(size=x.shape)
            steps = [make("x", x), make("gamma", gamma), make("beta", beta), make("dout", dout),
                     call(learner("batchnorm_forward"), ref("x"), ref("gamma"), ref("beta"), lit(eps), save="fw"),
                     call(learner("batchnorm_backward"), ref("dout"), {"item": [ref("fw"), lit(1)]},
                          report=("dout",))]
            out.append(Case(steps, {"x": x, "gamma": gamma, "beta": beta, "eps": eps, "dout": dout},
                            f"x {x.shape}, eps = {eps:.3g}"))
        return out

    def judge(self, case, calls):
        c = case.context
        x, gamma, beta, eps, dout = c["x"], c["gamma"], c["beta"], c["eps"], c["dout"]
        forward = unpack(returned(calls[-2], "batchnorm_forward"), "batchnorm_forward", ("out", "cache"))
        right_out, cache = nnlib.batchnorm_forward(x, gamma, beta, eps=eps)
        unbiased_out = unbiased_batchnorm(x, gamma, beta, eps)[0]
        out = np.asarray(forward[0], dtype=float) if isinstance(forward[0], np.ndarray) else None
        consistent_unbiased = out is not None and out.shape == x.shape and np.allclose(out, unbiased_out, 1e-7, 1e-10)
        if not consistent_unbiased and (out is None or out.shape != x.shape
                                        or not np.allclose(out, right_out, rtol=1e-7, atol=1e-10)):
            raise _forward_wrong(out, x, gamma, beta, eps)
        got = unpack(returned(calls[-1], "batchnorm_backward"), "batchnorm_backward", ("dx", "dgamma", "dbeta"))
        _inputs_kept(calls[-1], c, ("dout",), "batchnorm_backward")
        if consistent_unbiased:  # a backward pass right for the forward pass written, which is not batch norm's
            raise Fail(f"batchnorm_backward (for {case.where}) differentiates your batchnorm_forward, in which "
                       f"{_UNBIASED}. Fix the forward pass; the backward pass then has N where it has N − 1 now.",
                       mistake="variance divided by N − 1")
        expected = nnlib.batchnorm_backward(dout, cache)
        mistakes = backward_mistakes(x, gamma, beta, eps, dout)
        for i, name in enumerate(("dx", "dgamma", "dbeta")):
            mistakes[name] = mistakes[name] + input_variants(
                lambda i=i, **k: nnlib.batchnorm_backward(k["dout"], nnlib.batchnorm_forward(
                    k["x"], k["gamma"], k["beta"], eps=k["eps"])[1])[i],
                {"x": x, "gamma (γ)": gamma, "beta (β)": beta, "eps (ε)": eps, "dout": dout}, name)
        for i, name in ((2, "dbeta"), (1, "dgamma"), (0, "dx")):
            compare(name, got[i], expected[i], mistakes[name], where=case.where, sizes={"N (the rows)": len(x)})


# ------------------------------------------------------------------ 6.4 dropout

def kept_fraction_band(size, p):
    """How far the kept fraction of `size` independent units may fall from 1 − p: 6 standard deviations
    of a binomial proportion, √(p(1 − p)/size), so a right answer fails about once in 10⁹ runs."""
    return 6 * math.sqrt(p * (1 - p) / size)


def _dropout_x(rng, hidden):
    shape = (200, 50) if not hidden else (int(rng.integers(100, 300)), int(rng.integers(20, 60)))
    return rng.uniform(0.5, 2.0, shape) * rng.choice([-1.0, 1.0], shape)  # no entry near 0: out / x is the mask


def _dropout_p(rng, hidden):  # never ½, so p and 1 − p can be told apart
    return 0.3 if not hidden else float(rng.choice([rng.uniform(0.1, 0.4), rng.uniform(0.6, 0.8)]))


def implied_mask(what, out, x, p):
    """out / x where out is a valid inverted-dropout output of x (each entry 0 or x/(1 − p)), else Fail."""
    if not isinstance(out, np.ndarray) or out.shape != x.shape:
        shape = getattr(out, "shape", None)
        raise Fail(f"{what}: out should be an array of x's shape {x.shape}, got "
                   f"{f'shape {shape}' if shape is not None else type(out).__name__}", mistake="wrong shape")
    ratio = out / x
    kept = ~np.isclose(ratio, 0.0, atol=1e-12)
    scale = ratio[kept]
    if kept.any() and np.allclose(scale, 1 / (1 - p), rtol=1e-7):
        return kept
    where = f"p = {p:.3g}"
    if kept.all() and np.allclose(ratio, 1):
        raise Fail(f"{what} ({where}): out equals x, nothing was dropped. Draw a mask: keep a unit where "
                   "rng.random(x.shape) >= p", mistake="nothing dropped")
    for value, hint, name in ((1.0, "the kept units are not scaled: inverted dropout multiplies them by 1/(1 − p), "
                               "so the expected value stays x", "no 1/(1 − p) scaling"),
                              (1 - p, "the kept units are multiplied by 1 − p; inverted dropout divides by it: "
                               "x/(1 − p)", "× (1 − p) instead of / (1 − p)"),
                              (1 / p, "the kept units are divided by p, the probability of dropping; divide by "
                               "1 − p, the probability of keeping", "divided by p"),
                              (p, "the kept units are multiplied by p, the probability of dropping; inverted dropout "
                               "divides them by 1 − p, the probability of keeping: x/(1 − p)",
                               "× p instead of / (1 − p)")):
        if kept.any() and np.allclose(scale, value, rtol=1e-7):
            shown = "x itself" if value == 1 else f"{value:.4g}·x"
            raise Fail(f"{what} ({where}): the entries of out are 0 or {shown}.\n  Likely mistake: {hint}",
                       mistake=name)
    c = float(np.median(scale)) if kept.any() else None
    if c is not None and np.allclose(scale, c, rtol=1e-7):  # one scale for every kept unit, the wrong one
        family = [("1 + p", 1 + p), ("1/(1 + p)", 1 / (1 + p)), ("1/(1 − p)²", 1 / (1 - p) ** 2),
                  ("(1 − p)²", (1 - p) ** 2), ("1/p²", 1 / p ** 2), ("2 − p", 2 - p), ("1/(2(1 − p))", 0.5 / (1 - p)),
                  ("2/(1 − p)", 2 / (1 - p))]
        named = [text for text, v in family if math.isclose(c, v, rel_tol=1e-7)]
        raise Fail(f"{what} ({where}): the entries of out are 0 or {c:.4g}·x: the mask is applied, but the kept "
                   f"units are scaled by {named[0] if named else f'{c:.4g}'}"
                   f"{f' = {c:.4g}' if named else ''}, not 1/(1 − p) = {1 / (1 - p):.4g}.\n  Likely mistake: "
                   "the scale of the kept units is wrong: inverted dropout divides them by 1 − p, the probability "
                   "of keeping", mistake=f"kept units scaled by {named[0]}" if named else "kept units scaled wrongly")
    raise Fail(f"{what} ({where}): every entry of out should be 0 (dropped) or x/(1 − p) = {1 / (1 - p):.4g}·x "
               "(kept); yours holds other values. The checks cannot tell which step is wrong: print out / x and "
               "compare it with your mask.")


def threshold_readings(fraction, band, p):
    """The Mistake naming the threshold c of `rng.random(x.shape) >= c` that keeps this share of the units
    (1 − c, within the band): a constant or a wrong expression of p where p belongs; every reading that fits."""
    fits = [Mistake(f"the kept share is what the threshold c = {text}{'' if text == f'{c:g}' else f' = {c:.3g}'} "
                    "keeps (a unit is kept where "
                    f"rng.random(x.shape) >= c, with probability 1 − c): {why}; c is p, the probability of dropping",
                    None, f"threshold {text} where p belongs")
            for text, c, why in (("0.5", 0.5, "a constant where p belongs"), ("p/2", p / 2, "p halved"),
                                 ("2p", 2 * p, "p doubled"), ("p²", p * p, "p squared"),
                                 ("√p", math.sqrt(p), "the square root of p"))
            if 0 < c < 1 and abs(fraction - (1 - c)) <= band and not math.isclose(c, p)]
    return one_of(fits) if fits else None


class DropoutForward(Task):
    test_id, exercise, functions = "ex6_4_forward_tests", "6.4", ("dropout_forward",)
    forbidden_names = ("nnlib.dropout_forward", "nnlib.dropout_backward", "nnlib.Dropout")

    def cases(self, rng, hidden):
        out = []
        for _ in range(1 if not hidden else 2):
            x, p, seed = _dropout_x(rng, hidden), _dropout_p(rng, hidden), int(rng.integers(2**31))
            steps = [make("x", x), {"op": "make", "name": "rng", "kind": "rng", "seed": seed},
                     call(learner("dropout_forward"), ref("x"), lit(p), ref("rng"), report=("x",)),
                     call(learner("dropout_forward"), ref("x"), lit(p), ref("rng")),
                     call(learner("dropout_forward"), ref("x"), lit(0.0), ref("rng"))]
            out.append(Case(steps, {"x": x, "p": p}, f"x {x.shape}, p = {p:.3g}"))
        return out

    def judge(self, case, calls):
        x, p = case.context["x"], case.context["p"]
        first = unpack(returned(calls[2], "dropout_forward"), "dropout_forward", ("out", "cache"))
        _inputs_kept(calls[2], case.context, ("x",), "dropout_forward")
        check_own_rng(calls[2], "dropout_forward")
        kept = implied_mask("dropout_forward", first[0], x, p)
        if (kept == kept[:1]).all() and x.shape[0] > 1:
            raise Fail("dropout_forward drew one mask row and used it for every example: each entry of x gets its "
                       "own draw, rng.random(x.shape)", mistake="one mask for the whole batch")
        fraction, band = float(kept.mean()), kept_fraction_band(x.size, p)
        if abs(fraction - p) <= kept_fraction_band(x.size, p) < abs(fraction - (1 - p)):
            raise Fail(f"dropout_forward (p = {p:.3g}) kept {fraction:.1%} of the units; it should keep about "
                       f"{1 - p:.0%}.\n  Likely mistake: p and 1 − p are swapped: p is the probability of "
                       "dropping a unit, so keep it where rng.random(x.shape) >= p", mistake="p and 1 − p swapped")
        if abs(fraction - (1 - p)) > band:
            found = threshold_readings(fraction, band, p)
            raise Fail(f"dropout_forward (p = {p:.3g}) kept {fraction:.1%} of the units; each is kept with "
                       f"probability 1 − p = {1 - p:.0%}, so out of {x.size} about {1 - p:.0%} (within "
                       f"{band:.1%}). Draw one number per entry: rng.random(x.shape) >= p"
                       + (f"\n  Likely mistake: {found.hint}" if found else ""),
                       mistake=found.name if found else "wrong share of units kept",
                       readings=found.readings if found else ())
        second = unpack(returned(calls[3], "dropout_forward"), "dropout_forward", ("out", "cache"))
        if np.array_equal(implied_mask("dropout_forward", second[0], x, p), kept):
            raise Fail("two calls with the same rng dropped the same units: draw the mask from the rng you are "
                       "given (rng.random(x.shape)) every call, not from a new generator with a fixed seed",
                       mistake="the same mask every call")
        zero = unpack(returned(calls[4], "dropout_forward"), "dropout_forward", ("out", "cache"))
        compare("out with p = 0 (nothing is dropped, nothing scaled)", zero[0], x, where=f"x {x.shape}")


class DropoutBackward(Task):
    test_id, exercise, functions = "ex6_4_backward_tests", "6.4", ("dropout_backward", "dropout_forward")
    forbidden_names = DropoutForward.forbidden_names

    def cases(self, rng, hidden):
        out = []
        for _ in range(1 if not hidden else 2):
            x, p, seed = _dropout_x(rng, hidden), _dropout_p(rng, hidden), int(rng.integers(2**31))
            dout = rng.normal(size=x.shape)
            steps = [make("x", x), make("dout", dout), {"op": "make", "name": "rng", "kind": "rng", "seed": seed},
                     call(learner("dropout_forward"), ref("x"), lit(p), ref("rng"), save="fw"),
                     call(learner("dropout_backward"), ref("dout"), {"item": [ref("fw"), lit(1)]},
                          report=("dout",))]
            out.append(Case(steps, {"x": x, "p": p, "dout": dout}, f"x {x.shape}, p = {p:.3g}"))
        return out

    def judge(self, case, calls):
        x, p, dout = case.context["x"], case.context["p"], case.context["dout"]
        forward = unpack(returned(calls[3], "dropout_forward"), "dropout_forward", ("out", "cache"))
        try:
            kept = implied_mask("dropout_forward", forward[0], x, p)
        except Fail:
            kept = None
        if kept is None:  # unscaled forward: its kept units are still known
            out = forward[0]
            if isinstance(out, np.ndarray) and out.shape == x.shape and np.allclose(out[out != 0], x[out != 0]):
                kept = out != 0
            else:
                raise Fail("dropout_backward is tested with the cache of your dropout_forward, whose out is not right "
                           "yet: make the forward test pass first.", mistake="forward pass wrong (6.4 forward)")
        dx = returned(calls[4], "dropout_backward")
        if calls[4].global_random:
            raise Fail("dropout_backward drew random numbers (from numpy's global random state): the backward pass "
                       "draws nothing.\n  Likely mistake: a new mask in the backward pass; reuse the forward pass's "
                       "own: keep it in the cache and return dout · mask", mistake="mask not reused")
        _inputs_kept(calls[4], case.context, ("dout",), "dropout_backward")
        mask = kept / (1 - p)
        expected = nnlib.dropout_backward(dout, DropoutCache(mask, p))
        mistakes = [Mistake("your dx is dout · keep, 0 or 1: the forward pass scaled the kept units by 1/(1 − p), so "
                            "their gradient is scaled too, dx = dout · mask with mask = keep/(1 − p)", dout * kept,
                            "no 1/(1 − p) scaling"),
                    Mistake("your dx is dout itself: the dropped units passed nothing forward, so they get no gradient "
                            "back, dx = dout · mask", dout, "mask not applied"),
                    Mistake("your dx is dout · out, the forward pass's output: the factor of each entry is the mask, "
                            "dx = dout · mask", dout * forward[0], "output instead of the mask")]
        if isinstance(dx, np.ndarray) and dx.shape == x.shape:
            ratio = np.where(dout != 0, dx / np.where(dout != 0, dout, 1), 0)
            other = ~np.isclose(ratio, 0, atol=1e-12)
            if np.allclose(ratio[other], 1 / (1 - p), rtol=1e-7) and not np.array_equal(other, kept):
                leaked = int((other & ~kept).sum())
                raise Fail(f"dropout_backward (p = {p:.3g}) let the gradient through {leaked} units "
                           "that the forward pass dropped (and stopped it at others it kept).\n  Likely mistake: the "
                           "backward pass drew a new mask; reuse the forward pass's own: keep it in the cache and "
                           "return dout · mask", mistake="mask not reused")
        compare("dx", dx, expected, mistakes, where=case.where,
                sizes={"1/(1 − p)": 1 / (1 - p), "p": p, "1 − p": 1 - p})


# The kernel grading this assignment gets no nnlib at all: every function raises (exercises.withhold).
KERNEL_NNLIB = ()

TASKS = [MomentumUpdate(), AdamUpdate(), BatchnormForward(), BatchnormBackward(), DropoutForward(), DropoutBackward()]
