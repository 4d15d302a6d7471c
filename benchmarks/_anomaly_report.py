"""The markdown tables of ``anomaly_benchmark.py``, built from its per-(set, method) cache."""

from __future__ import annotations

import numpy as np
from scipy.stats import rankdata
from _common import markdown_table
from _lodo import candidates, choose, ensemble_candidates, leave_one_dataset_out

LODO_ROW = "**npae default, leave-one-dataset-out**"
_MEASURED = ("npae default", "previous default", "PyOD IForest", "PyOD KNN", "PyOD ECOD", "PyOD COPOD",
             "PyOD LOF", "PyOD AutoEncoder")
_PEERS = [m for m in _MEASURED if m.startswith("PyOD")]


def _tables(cache, sets):
    """{row: {set: (auc, ap)}} for candidates and measured methods, and the LODO picks."""
    eligible, other = candidates()
    rows = {}
    for s in sets:
        run = cache["runs"][s]
        for source in ("npae components", "npae AE ensemble"):
            for name, vals in run.get(source, {}).get("cand", {}).items():
                rows.setdefault(name, {})[s] = tuple(np.mean(np.array(vals), axis=0))
        for m in _MEASURED:
            if m in run:
                rows.setdefault(m, {})[s] = (float(np.mean(run[m]["auc"])), float(np.mean(run[m]["ap"])))
    auc = {r: {s: v[0] for s, v in d.items()} for r, d in rows.items()}
    names = [n for n in [*eligible, *ensemble_candidates()] if n in rows and len(rows[n]) == len(sets)]
    if not names:
        raise SystemExit("no candidate has every set: run 'npae components' on them first")
    picks = leave_one_dataset_out(auc, names, sets)
    shipped = choose(auc, names, sets)
    rows[LODO_ROW] = {s: (picks[s][1], rows[picks[s][0]][s][1]) for s in sets}
    return rows, picks, shipped, names, [n for n in other if n in rows and len(rows[n]) == len(sets)]


def _mean(row, sets, i):
    vals = [row[s][i] for s in sets if s in row]
    return float(np.mean(vals)), len(vals)


def _ranks(rows, order, sets):
    """Mean rank (1 = best ROC AUC) of each row with every set, among those rows."""
    full = [r for r in order if all(s in rows[r] for s in sets)]
    ranks = {r: [] for r in full}
    for s in sets:
        vals = np.array([rows[r][s][0] for r in full])
        rk = rankdata(-vals, method="average")  # ties share their mean rank
        for r, k in zip(full, rk):
            ranks[r].append(k)
    return {r: float(np.mean(v)) for r, v in ranks.items()}


def _scale_lines(cache, sets):
    """The scale target: the default's fit + score within 10x IForest's time + 60 s, under 1.5 GB."""
    body = []
    for s in [s for s in ("11_donors", "16_http") if s in sets]:
        run = cache["runs"][s]
        if "npae default" not in run or "PyOD IForest" not in run:
            continue
        t, t_if = np.mean(run["npae default"]["sec"]), np.mean(run["PyOD IForest"]["sec"])
        rss = run["npae default"]["rss_mb"]
        ok = t <= 10 * t_if + 60 and rss < 1536
        body.append([s, f"{t:.1f}", f"{t_if:.1f}", f"{10 * t_if + 60:.0f}", f"{rss:.0f}",
                     "met" if ok else "**not met**"])
    if not body:
        return []
    return ["### Scale: the default on the two largest sets (one 60/40 split)", "",
            *markdown_table(["set", "npae default fit + score (s)", "PyOD IForest (s)",
                             "target: 10 × IForest + 60 s", "npae default peak RSS (MB)",
                             "target (< 1.5 GB, time)"], body), ""]


def report(cache, sets, command, machine):
    from anomaly_odds import PYOD_NAMES, PYOD_ROC

    rows, picks, shipped, names, inputs = _tables(cache, sets)
    shapes = cache["shapes"]
    ins_row = f"npae default, in-sample ({shipped})"
    rows[ins_row] = rows[shipped]
    singles = [n for n in names if "+" not in n] + [n for n in inputs if "+" not in n]
    top = sorted(names, key=lambda n: -_mean(rows[n], sets, 0)[0])[:6]
    order = [LODO_ROW, ins_row, *[m for m in _MEASURED if m in rows],
             *[n for n in dict.fromkeys(top + singles) if n != shipped]]
    rank = _ranks(rows, order, sets)
    lodo = _mean(rows[LODO_ROW], sets, 0)[0]
    peers = {p: _mean(rows[p], sets, 0) for p in _PEERS if p in rows}
    best = max((p for p in peers if peers[p][1] == len(sets)), key=lambda p: peers[p][0], default=None)
    head = ["method", *[f"{s} ({shapes[s][0]}×{shapes[s][1]}, {shapes[s][2]} spl.)" for s in sets],
            "mean", "mean rank"]
    runs = [f"- `{c}`" for c in cache.get("commands", [])]
    lines = ["## Outlier detection on 26 sets: the default chosen by leave-one-dataset-out (issue 22)", "",
             f"Command: `{command}`", "", *(["Runs merged into the cache:", "", *runs, ""] if runs else []),
             machine, "",
             f"Pool: {len(sets)} sets. Shipped rule (chosen on all of them): `{shipped}`.", ""]
    if best is not None:
        gap = lodo - peers[best][0]
        lose = [s for s in sets if rows[LODO_ROW][s][0] < rows[best][s][0]]
        lines += [f"**Headline: leave-one-dataset-out mean ROC AUC {lodo:.3f}; best PyOD detector of the "
                  f"same run, {best}, {peers[best][0]:.3f} ({gap:+.3f}).** The held-out choice loses to "
                  f"{best} on {len(lose)} of {len(sets)} sets: " + ", ".join(
                      f"{s} ({rows[LODO_ROW][s][0]:.3f} vs {rows[best][s][0]:.3f})" for s in lose) + ".", ""]
    for title, i in (("ROC AUC (test part)", 0), ("Average precision (test part)", 1)):
        body = []
        for r in order:
            m, k = _mean(rows[r], sets, i)
            cells = [f"{rows[r][s][i]:.3f}" if s in rows[r] else "—" for s in sets]
            body.append([r, *cells, f"**{m:.3f}**" + ("" if k == len(sets) else f" ({k} sets)"),
                         f"{rank[r]:.1f}" if (r in rank and i == 0) else ""])
        if i == 0:
            for j, p in enumerate(PYOD_NAMES):
                vals = [PYOD_ROC[s][j] if s in PYOD_ROC else None for s in sets]
                got = [v for v in vals if v is not None]
                body.append([f"PyOD published 2019: {p}", *[f"{v:.3f}" if v is not None else "—"
                                                              for v in vals],
                             f"{np.mean(got):.3f} ({len(got)} sets)" if got else "—", ""])
        lines += [f"### {title}", "", *markdown_table(head, body), ""]
    lines += ["### Fit + score seconds per split, and peak RSS (MB) of the process", "",
              *markdown_table(["method", *sets],
                              [[m, *[(f"{np.mean(cache['runs'][s][m]['sec']):.1f} s / "
                                      f"{cache['runs'][s][m]['rss_mb']:.0f}")
                                     if m in cache["runs"][s] else "—" for s in sets]]
                               for m in ("npae components", "npae AE ensemble", *_MEASURED)]), ""]
    lines += _scale_lines(cache, sets)
    peer = [best] if best is not None else []
    lines += ["### Leave-one-dataset-out: the rule chosen on the other sets, scored on the held-out one", "",
              *markdown_table(["held-out set", "chosen on the others", "ROC AUC", *[f"{p} ROC AUC" for p in peer]],
                              [[s, f"`{picks[s][0]}`", f"{picks[s][1]:.3f}",
                                *[f"{rows[p][s][0]:.3f}" for p in peer]] for s in sets]), ""]
    allc = sorted(names + inputs, key=lambda n: -_mean(rows[n], sets, 0)[0]) if names else []
    lines += ["### Every candidate (in-sample means over the pool; rows of the input alone are not eligible)",
              "", *markdown_table(["candidate", "eligible", "mean ROC AUC", "mean AP"],
                                  [[f"`{n}`", "yes" if n in names else "no (input only)",
                                    f"{_mean(rows[n], sets, 0)[0]:.3f}", f"{_mean(rows[n], sets, 1)[0]:.3f}"]
                                   for n in allc if len(rows[n]) == len(sets)]), ""]
    return "\n".join(lines) + "\n"
