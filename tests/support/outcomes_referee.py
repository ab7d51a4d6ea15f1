#!/usr/bin/python3
"""The referee of Interdict's outcome methods (tests/unit/outcomes/referee_test.cc):
fits the same data with Debian's statsmodels and scipy, from formulas of its own,
and prints the estimates as JSON for the test to compare.

    outcomes_referee.py its|did|event|synthetic PANEL.csv START FIRST_CALENDAR_MONTH

PANEL.csv: unit,month,y,treated (month 0 … T−1 of the window; START the index of
the program's first month). FIRST_CALENDAR_MONTH: 0 for January.
"""
import json
import sys

import numpy as np
import pandas as pd
import statsmodels.api as sm
import statsmodels.formula.api as smf
from scipy.optimize import minimize


def nw_lags(periods):
    return int(np.floor(4 * (periods / 100.0) ** (2.0 / 9.0)))


def main():
    mode, path, start, first_calendar = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    d = pd.read_csv(path)
    out = {}
    if mode == "its":
        s = d[d.treated == 1].groupby("month", as_index=False).y.sum()
        s["years"] = (s.month - start) / 12.0
        s["calendar"] = (first_calendar + s.month) % 12
        s["step"] = (s.month >= start).astype(float)
        n = len(s)
        formula = "y ~ years + C(calendar) + step" if n >= 24 else "y ~ years + step"
        r = smf.glm(formula, data=s, family=sm.families.Poisson()).fit(
            cov_type="HAC", cov_kwds={"maxlags": nw_lags(n), "use_correction": True}, tol=1e-12)
        out = {"coef": r.params["step"], "se": r.bse["step"], "df": int(r.df_resid)}
    elif mode in ("did", "event"):
        # Units with events and months with events, as Interdict keeps them.
        d = d[d.groupby("unit").y.transform("sum") > 0]
        d = d[d.groupby("month").y.transform("sum") > 0].sort_values(["unit", "month"])
        months = sorted(d.month.unique())
        d["t"] = d.month.map({m: i for i, m in enumerate(months)})
        if mode == "did":
            d["step"] = ((d.treated == 1) & (d.month >= start)).astype(float)
            formula = "y ~ 0 + C(unit) + C(t) + step"
            names = ["step"]
        else:
            year = np.floor((d.month - start) / 12).astype(int)
            years = sorted(year.unique())
            reference = max([y for y in years if y < 0], default=years[0])
            names = []
            for y in years:
                if y == reference:
                    continue
                name = "y_m%d" % -y if y < 0 else "y_p%d" % y
                d[name] = ((d.treated == 1) & (year == y)).astype(float)
                names.append(name)
            formula = "y ~ 0 + C(unit) + C(t) + " + " + ".join(names)
        r = smf.glm(formula, data=d, family=sm.families.Poisson()).fit(
            cov_type="hac-groupsum",
            cov_kwds={"time": d.t.values, "maxlags": nw_lags(len(months)),
                      "use_correction": "cluster", "df_correction": False},
            tol=1e-12)
        out = {"names": names, "coef": [r.params[n] for n in names],
               "se": [r.bse[n] for n in names]}
        if mode == "event":
            pre = [n for n in names if n.startswith("y_m")]
            if pre:
                # The joint test that every year before the reference is 0, as an F
                # with T − 1 denominator degrees of freedom.
                b = np.array([r.params[n] for n in pre])
                v = r.cov_params().loc[pre, pre].values
                wald = float(b @ np.linalg.solve(v, b))
                from scipy.stats import f
                out["pretrend_p"] = float(f.sf(wald / len(pre), len(pre), len(months) - 1))
    elif mode == "synthetic":
        pre = d[d.month < start]
        wide = d.pivot(index="month", columns="unit", values="y").sort_index()
        treated_units = sorted(d[d.treated == 1].unit.unique())
        target = wide[treated_units].sum(axis=1)
        donors = [u for u in wide.columns if u not in treated_units
                  and wide.loc[wide.index < start, u].mean() >= 2]
        tn = target / target[target.index < start].mean()
        dn = wide[donors] / wide.loc[wide.index < start, donors].mean()
        a = dn[dn.index < start].values
        b = tn[tn.index < start].values
        k = len(donors)
        res = minimize(lambda w: float(np.sum((b - a @ w) ** 2)), np.full(k, 1.0 / k),
                       jac=lambda w: -2 * a.T @ (b - a @ w), method="SLSQP",
                       bounds=[(0, 1)] * k,
                       constraints=[{"type": "eq", "fun": lambda w: np.sum(w) - 1,
                                     "jac": lambda w: np.ones_like(w)}],
                       options={"ftol": 1e-15, "maxiter": 2000})
        w = np.clip(res.x, 0, None)
        w /= w.sum()
        synthetic = dn.values @ w
        post = tn.index >= start
        out = {"effect_log": float(np.log(tn.values[post].sum() / synthetic[post].sum())),
               "pre_rmspe": float(np.sqrt(np.mean((tn.values[~post] - synthetic[~post]) ** 2)))}
    print(json.dumps(out))


main()
