"""statsmodels' side of the ARIMA cross-check (not a product dependency).

Run with Debian's Python, which has statsmodels 0.13 (the pyenv `python3` on PATH has not):
  /usr/bin/python3 scripts/ml-crosscheck/arima.py crosscheck < tasks.json
      stdin: {"tasks": [{"name", "train": [...], "order": [p, d, q], "trend": "n"|"c"|"t",
               "h", "level", "maxP", "maxQ", "oursParams": [...]}]}
      stdout (JSON): statsmodels' own loading of the bundled datasets (sunspots; CO2 resampled to
      monthly means and forward-filled), and per task: the fit of
      statsmodels.tsa.arima.model.ARIMA(train, order, trend) by its default state-space MLE
      (maxiter raised to 1000), its forecast h steps ahead with standard errors and interval,
      the AIC of every (p, q) on the grid p <= maxP, q <= maxQ with the same d and trend, and the
      log-likelihood at our estimate, a refit started from our estimate, and the
      KPSS statistics (nlags = trunc(3 sqrt(n) / 13)) of the training series differenced 0, 1, 2 times.
  /usr/bin/python3 scripts/ml-crosscheck/arima.py loglike
      prints the reference log-likelihoods hard-coded in packages/ml/src/arima/kalman.test.ts.
Exit code 2 with a message on stderr when numpy, pandas or statsmodels cannot be imported.
"""

import json
import math
import sys
import warnings

try:
    import numpy as np
    import statsmodels
    import statsmodels.api as sm
    from statsmodels.tsa.arima.model import ARIMA
    from statsmodels.tsa.stattools import kpss
except ImportError as err:  # pragma: no cover
    print(f"statsmodels is not available to {sys.executable}: {err}", file=sys.stderr)
    sys.exit(2)

# The series and parameters of the fixed-parameter likelihood test (kalman.test.ts).
LOGLIKE_SERIES = [1.2, 0.4, -0.3, 0.9, 2.1, 1.7, 0.2, -1.1, -0.6, 0.5,
                  1.4, 0.8, -0.2, -0.9, 0.3, 1.9, 2.4, 1.1, 0.0, -0.7]
LOGLIKE_CASES = [
    # name, series transform, order, trend, params (statsmodels order: trend, ar, ma, sigma2)
    ("arma11", "raw", (1, 0, 1), "n", [0.6, 0.3, 1.5]),
    ("arma21c", "raw", (2, 0, 1), "c", [0.4, 0.5, -0.3, 0.4, 0.8]),
    ("ma2", "raw", (0, 0, 2), "n", [-0.5, 0.2, 1.1]),
    ("arima111t", "cumsum+10", (1, 1, 1), "t", [0.3, 0.6, 0.3, 1.5]),
]


def loglike():
    y = np.array(LOGLIKE_SERIES)
    out = {}
    for name, how, order, trend, params in LOGLIKE_CASES:
        endog = y if how == "raw" else np.cumsum(y) + 10
        out[name] = ARIMA(endog, order=order, trend=trend).loglike(np.array(params))
    print(json.dumps(out, indent=1))


def datasets():
    sun = sm.datasets.sunspots.load_pandas().data["SUNACTIVITY"].to_numpy(dtype=float)
    co2 = sm.datasets.co2.load_pandas().data
    monthly = co2.resample("M").mean().ffill()["co2"]
    return {
        "sunspots": sun.tolist(),
        "co2Monthly": monthly.to_numpy(dtype=float).tolist(),
        "co2MonthlyStart": str(monthly.index[0].date()),
        "co2MonthsFilled": int(co2.resample("M").mean()["co2"].isna().sum()),
    }


def fit(train, order, trend, start_params=None):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = ARIMA(train, order=order, trend=trend).fit(
            start_params=start_params, method_kwargs={"maxiter": 1000})
    return res, [str(w.message).splitlines()[0] for w in caught]


def run_task(task):
    train = np.array(task["train"], dtype=float)
    order = tuple(task["order"])
    trend = task["trend"]
    res, warns = fit(train, order, trend)
    fc = res.get_forecast(task["h"])
    ci = np.asarray(fc.conf_int(alpha=1 - task["level"]))
    grid = []
    for p in range(task["maxP"] + 1):
        for q in range(task["maxQ"] + 1):
            try:
                r, w = fit(train, (p, order[1], q), trend)
                grid.append({"order": [p, order[1], q], "aic": r.aic, "llf": r.llf,
                             "converged": bool(r.mle_retvals.get("converged", False))})
            except Exception as err:  # noqa: BLE001 - reported, not hidden
                grid.append({"order": [p, order[1], q], "error": str(err)})
    ours = np.array(task["oursParams"], dtype=float)
    from_ours, _ = fit(train, order, trend, start_params=ours)
    tests = []
    x = train
    for d in range(3):
        lags = math.trunc(3 * math.sqrt(len(x)) / 13)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            stat = kpss(x, regression="c", nlags=lags)[0]
        tests.append({"d": d, "lags": lags, "statistic": stat})
        x = np.diff(x)
    return {
        "name": task["name"],
        "paramNames": list(res.model.param_names),
        "params": res.params.tolist(),
        "llf": res.llf,
        "aic": res.aic,
        "aicc": res.aicc,
        "bic": res.bic,
        "nobsEffective": int(res.nobs_effective),
        "converged": bool(res.mle_retvals.get("converged", False)),
        "warnings": warns,
        "mean": np.asarray(fc.predicted_mean).tolist(),
        "se": np.asarray(fc.se_mean).tolist(),
        "lower": ci[:, 0].tolist(),
        "upper": ci[:, 1].tolist(),
        "grid": grid,
        "llfAtOurs": float(res.model.loglike(ours)),
        "fromOurs": {"llf": from_ours.llf,
                     "mean": np.asarray(from_ours.get_forecast(task["h"]).predicted_mean).tolist()},
        "kpss": tests,
    }


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in ("crosscheck", "loglike"):
        print(__doc__, file=sys.stderr)
        sys.exit(64)
    if sys.argv[1] == "loglike":
        loglike()
        return
    request = json.load(sys.stdin)
    out = {
        "statsmodels": statsmodels.__version__,
        "datasets": datasets(),
        "results": [run_task(t) for t in request["tasks"]],
    }
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
