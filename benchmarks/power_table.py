"""README's POWER_TABLE: the checker on random smooth problems, float64 and float32, full
and fast mode.

Each problem is :func:`gradlab.strategies.random_smooth_problem` (seeded by its index).
The exact gradient is checked (a failure is a false alarm; "inconclusive" is counted
apart), then the exact gradient with one element off by ``size x max|g|`` for each size
in SIZES (anything but a pass is caught). A crash is an exception out of check_gradient.
A "blind pass" is a pass whose ``detectable`` exceeds max|g| somewhere (it could not have
seen an error as large as the gradient). The costliest pass is the most evaluations of f
any pass took (fast mode's promise: ``4k + 2``). A miss "below detectable" is a pass of a
wrong claim whose ``detectable`` at the wrong element did not exceed the error (a miss the
result did not own up to). A problem whose gradient is exactly zero
(every term underflows in float32) has no error to scale and is left out of the counts.

    python benchmarks/power_table.py --problems 5000      # README's numbers
    python benchmarks/power_table.py --problems 200       # a quick look
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np

SIZES = (1e-2, 1e-4, 1e-6)
LINES = [(np.float64, "full"), (np.float64, "fast"), (np.float32, "full"), (np.float32, "fast")]
BUDGET = {"fast": 18}
"""Fast mode's promise for a pass: 4k + 2 evaluations (k = 4)."""


def outcome(check, f, x, g, mode):
    """check_gradient's status, or "crash" (with the exception kept for the report)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return check(f, x, g, mode=mode), None
    except Exception as exc:  # noqa: BLE001 -- a crash is what is counted here
        return None, f"{type(exc).__name__}: {exc}"


def measure(dtype, mode: str, problems: int, seed: int = 2026, start: int = 0) -> dict:
    """The counts of one line of the table."""
    import gradlab as gl
    from gradlab.strategies import random_smooth_problem

    c = {"false_alarm": 0, "inconclusive": 0, "crash": 0, "blind_pass": 0, "max_pass_cost": 0,
         "caught": dict.fromkeys(SIZES, 0), "caught_inconclusive": dict.fromkeys(SIZES, 0),
         "unstated": dict.fromkeys(SIZES, 0),
         "crashes": [], "notable": [], "zero_gradient": 0}
    for n in range(start, start + problems):
        rng = np.random.default_rng([seed, n])
        f, x, grad = random_smooth_problem(rng, dtype)
        g = grad(x)
        if not np.any(g):  # an exact zero gradient (float32 underflow): no error to scale
            c["zero_gradient"] += 1
            c["notable"].append((n, "right", "zero gradient: not counted"))
            continue
        right, crash = outcome(gl.check_gradient, f, x, g, mode)
        if crash:
            c["crash"] += 1
            c["crashes"].append((n, "right", crash))
        else:
            c["false_alarm"] += right.status == "fail"
            c["inconclusive"] += right.status == "inconclusive"
            if right.status != "pass":
                c["notable"].append((n, "right", right.status))
            if right.ok:
                c["max_pass_cost"] = max(c["max_pass_cost"], right.evaluations)
                blind = bool(np.any(np.ravel(right.detectable) > np.max(np.abs(g))))
                c["blind_pass"] += blind
                if blind or right.evaluations > BUDGET.get(mode, np.inf):
                    c["notable"].append((n, "right", f"pass, {right.evaluations} evaluations"
                                                     + (", blind" if blind else "")))
        i, sign = int(rng.integers(g.size)), float(rng.choice([-1.0, 1.0]))
        for size in SIZES:
            wrong = g.astype(np.float64)
            wrong.flat[i] += sign * size * np.max(np.abs(g))
            res, crash = outcome(gl.check_gradient, f, x, wrong.astype(dtype), mode)
            if crash:
                c["crash"] += 1
                c["crashes"].append((n, size, crash))
                continue
            c["caught"][size] += not res.ok
            c["caught_inconclusive"][size] += res.status == "inconclusive"
            if res.ok:
                c["unstated"][size] += float(np.ravel(res.detectable)[i]) <= \
                    size * np.max(np.abs(g))
                blind = bool(np.any(np.ravel(res.detectable) > np.max(np.abs(g))))
                c["blind_pass"] += blind
                c["notable"].append((n, size, "missed" + (", blind" if blind else "")))
    return c


def row(dtype, mode, c, problems) -> str:
    problems -= c["zero_gradient"]
    caught = " / ".join(f"{100 * c['caught'][s] / problems:.2f}%" for s in SIZES)
    of_which = " / ".join(str(c["caught_inconclusive"][s]) for s in SIZES)
    unstated = " / ".join(str(c["unstated"][s]) for s in SIZES)
    return (f"| {np.dtype(dtype).name} | {mode} | {problems} | {c['false_alarm']} | "
            f"{c['inconclusive']} | "
            f"{caught} | {of_which} | {unstated} | {c['crash']} | {c['blind_pass']} | "
            f"{c['max_pass_cost']} |")


HEADER = ("| dtype | mode | problems | false alarms | inconclusive (correct) | caught at 1e-2 / "
          "1e-4 / 1e-6 x max\\|g\\| | of which inconclusive | misses below `detectable` | "
          "crashes | blind passes | costliest pass (evals) |\n"
          "|---|---|---|---|---|---|---|---|---|---|---|")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problems", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--only", default=None, help="one line, e.g. float32-full")
    parser.add_argument("--start", type=int, default=0, help="first problem index")
    args = parser.parse_args(argv)
    lines = []
    for dtype, mode in LINES:
        if args.only and args.only != f"{np.dtype(dtype).name}-{mode}":
            continue
        start = time.perf_counter()
        c = measure(dtype, mode, args.problems, args.seed, args.start)
        lines.append(row(dtype, mode, c, args.problems))
        print(f"{np.dtype(dtype).name} {mode}: {time.perf_counter() - start:.0f} s; "
              f"crashes: {c['crashes'][:3]}", flush=True)
        for item in c["notable"]:
            print(f"  problem {item[0]}, {item[1]}: {item[2]}", flush=True)
    print(f"\n{args.problems} problems per line (seed {args.seed})\n")
    print(HEADER)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
