"""scikit-learn's side of the Isolation Forest cross-check and benchmark (not a product dependency).

Run with Debian's Python, which has scikit-learn 1.2 (the pyenv `python3` on PATH has not):
  /usr/bin/python3 scripts/ml-crosscheck/isolation_forest.py crosscheck --seeds 50
      JSON on stdout: the labelled datasets (rows, labels, how they were made), sklearn's ROC-AUC
      for each seed and each row's anomaly score averaged over the seeds, for scripts/ml-crosscheck/isolation-forest.ts to compare ours with.
  /usr/bin/python3 scripts/ml-crosscheck/isolation_forest.py fixture OUT.json
      writes the breast-cancer dataset below (the golden test's fixture) to OUT.json.
  /usr/bin/python3 scripts/ml-crosscheck/isolation_forest.py bench FILE ROWS COLS
      times sklearn on FILE (ROWS × COLS float64, little-endian, row-major); JSON on stdout.
Exit code 2 with a message on stderr when numpy or scikit-learn cannot be imported.
"""

import json
import sys
import time

try:
    import numpy as np
    import sklearn
    from sklearn.datasets import load_breast_cancer, load_digits, load_wine
    from sklearn.ensemble import IsolationForest
    from sklearn.metrics import roc_auc_score
except ImportError as err:  # pragma: no cover
    print(f"scikit-learn is not available to {sys.executable}: {err}", file=sys.stderr)
    sys.exit(2)

TREES = 100
SAMPLE_SIZE = 256


def subsample_class(x, y, anomaly_class, keep, seed):
    """All rows of the other classes plus `keep` rows of `anomaly_class` drawn without replacement
    by numpy's RandomState(seed), in their original order; labels 1 = anomaly."""
    rng = np.random.RandomState(seed)
    anomalies = np.flatnonzero(y == anomaly_class)
    chosen = np.sort(rng.choice(anomalies, size=keep, replace=False))
    rows = np.sort(np.concatenate([np.flatnonzero(y != anomaly_class), chosen]))
    return x[rows], (y[rows] == anomaly_class).astype(int)


def drop_constant_columns(x, names):
    keep = np.ptp(x, axis=0) > 0
    return x[:, keep], [n for n, k in zip(names, keep) if k], int((~keep).sum())


def breast_cancer():
    d = load_breast_cancer()
    # target 0 = malignant. All 357 benign + 40 of the 212 malignant (seeded): 10.1% anomalies.
    x, y = subsample_class(d.data, d.target, anomaly_class=0, keep=40, seed=0)
    return {
        "name": "breast cancer (WDBC)",
        "how": "sklearn load_breast_cancer: all 357 benign + 40 of 212 malignant drawn with "
        "numpy RandomState(0); malignant = anomaly",
        "featureNames": [str(n) for n in d.feature_names],
        "x": x,
        "y": y,
    }


def digits():
    d = load_digits()
    names = [f"pixel_{i // 8}_{i % 8}" for i in range(64)]
    # Digit 0 is the rare class at its natural share (178 of 1,797 images, 9.9%).
    y = (d.target == 0).astype(int)
    x, names, dropped = drop_constant_columns(d.data, names)
    return {
        "name": "digits (0 vs rest)",
        "how": f"sklearn load_digits, all 1,797 8×8 images; digit 0 = anomaly; {dropped} pixels "
        "that are 0 in every image dropped (constant columns)",
        "featureNames": names,
        "x": x,
        "y": y,
    }


def wine():
    d = load_wine()
    # As ODDS "wine": classes 1 and 2 normal (119), 10 of the 59 class-0 wines as anomalies.
    x, y = subsample_class(d.data, d.target, anomaly_class=0, keep=10, seed=0)
    return {
        "name": "wine",
        "how": "sklearn load_wine: classes 1 and 2 (119 wines) + 10 of 59 class-0 wines drawn "
        "with numpy RandomState(0) (as ODDS wine); class 0 = anomaly",
        "featureNames": [str(n) for n in d.feature_names],
        "x": x,
        "y": y,
    }


def sklearn_runs(x, y, seeds):
    """ROC-AUC of the anomaly score s = -score_samples for each seed, and s of each row averaged
    over the seeds."""
    aucs = []
    total = np.zeros(len(x))
    for seed in range(seeds):
        model = IsolationForest(n_estimators=TREES, max_samples=min(SAMPLE_SIZE, len(x)),
                                random_state=seed).fit(x)
        s = -model.score_samples(x)
        total += s
        aucs.append(float(roc_auc_score(y, s)))
    return aucs, (total / seeds).tolist()


def as_json(d):
    return {
        "name": d["name"],
        "how": d["how"],
        "featureNames": d["featureNames"],
        "rows": d["x"].tolist(),
        "labels": d["y"].tolist(),
    }


def crosscheck(seeds):
    out = []
    for make in (breast_cancer, digits, wine):
        d = make()
        aucs, mean_scores = sklearn_runs(d["x"], d["y"], seeds)
        out.append({**as_json(d), "sklearnAuc": aucs, "sklearnMeanScore": mean_scores})
    json.dump({"sklearn": sklearn.__version__, "trees": TREES, "sampleSize": SAMPLE_SIZE,
               "datasets": out}, sys.stdout)


def fixture(path):
    d = breast_cancer()
    aucs, _ = sklearn_runs(d["x"], d["y"], 10)
    with open(path, "w") as f:
        json.dump({**as_json(d), "source": "scikit-learn 1.2.1 bundled data (BSD-3-Clause); "
                   "Wisconsin Diagnostic Breast Cancer, UCI"}, f)
    print(f"sklearn {sklearn.__version__} ROC-AUC over seeds 0-9: mean {np.mean(aucs):.4f}, "
          f"sd {np.std(aucs, ddof=1):.4f}")


def timed(fn):
    t0 = time.perf_counter()
    result = fn()
    return (time.perf_counter() - t0) * 1000, result


def bench(path, rows, cols):
    x = np.fromfile(path, dtype="<f8").reshape(rows, cols)

    def fit(**kw):
        return IsolationForest(n_estimators=TREES, max_samples=SAMPLE_SIZE, random_state=0,
                               **kw).fit(x)

    fit(n_jobs=1)  # warm-up (imports, allocator)
    fit1 = min(timed(lambda: fit(n_jobs=1))[0] for _ in range(3))
    fit_all = min(timed(lambda: fit(n_jobs=-1))[0] for _ in range(3))
    fit_contamination = timed(lambda: fit(n_jobs=1, contamination=0.05))[0]
    model = fit(n_jobs=1)
    score_ms, _ = timed(lambda: model.score_samples(x))
    one = []
    for i in range(220):
        row = x[i:i + 1]
        ms, _ = timed(lambda: model.score_samples(row))
        if i >= 20:
            one.append(ms)
    one.sort()
    json.dump({
        "sklearn": sklearn.__version__,
        "numpy": np.__version__,
        "fitMs": fit1,
        "fitAllCoresMs": fit_all,
        "fitContaminationMs": fit_contamination,
        "scoreMs": score_ms,
        "oneP50Ms": one[len(one) // 2],
        "oneP99Ms": one[min(len(one) - 1, int(0.99 * len(one)))],
        "oneCalls": len(one),
    }, sys.stdout)


if __name__ == "__main__":
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "crosscheck":
        crosscheck(int(sys.argv[3]) if len(sys.argv) > 3 and sys.argv[2] == "--seeds" else 50)
    elif cmd == "fixture" and len(sys.argv) == 3:
        fixture(sys.argv[2])
    elif cmd == "bench" and len(sys.argv) == 5:
        bench(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(64)
