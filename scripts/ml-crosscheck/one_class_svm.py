"""scikit-learn's side of the One-Class SVM and ensemble cross-check (not a product dependency).

Run with Debian's Python, which has scikit-learn 1.2 (the pyenv `python3` on PATH has not):
  /usr/bin/python3 scripts/ml-crosscheck/one_class_svm.py
JSON on stdout, read by scripts/ml-crosscheck/ensemble.ts: for each labelled dataset (the same
ones as isolation_forest.py, built by its functions: breast cancer, digits, wine), the rows and
labels, scikit-learn's OneClassSVM on the standardised rows (decision values, AUC, support
vectors, rho, fit time), a seeded stratified 50/50 train/test split, and scikit-learn's
IsolationForest, OneClassSVM and RandomForestClassifier fitted on the train half and scored on
the test half (reference AUCs for the ensemble table).
Exit code 2 with a message on stderr when numpy or scikit-learn cannot be imported.
"""

import json
import os
import sys
import time

try:
    import numpy as np
    import sklearn
    from sklearn.ensemble import IsolationForest, RandomForestClassifier
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import OneClassSVM
except ImportError as err:  # pragma: no cover
    print(f"scikit-learn is not available to {sys.executable}: {err}", file=sys.stderr)
    sys.exit(2)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from isolation_forest import breast_cancer, digits, wine  # noqa: E402  (one definition of the data)

NU = 0.1
SPLIT_SEED = 0


def ocsvm(x_train, x_score):
    """OneClassSVM(nu=NU, gamma="scale") on rows standardised with the train rows' mean and
    population standard deviation (as our model does inside). Returns decision values, the model,
    gamma and the fit time in ms."""
    scaler = StandardScaler().fit(x_train)
    z = scaler.transform(x_train)
    gamma = 1.0 / (z.shape[1] * z.var())
    t0 = time.perf_counter()
    model = OneClassSVM(nu=NU, gamma=gamma).fit(z)
    fit_ms = (time.perf_counter() - t0) * 1000
    return model.decision_function(scaler.transform(x_score)), model, gamma, fit_ms


def run(d):
    x, y = d["x"], d["y"]
    decision, model, gamma, fit_ms = ocsvm(x, x)
    train, test = train_test_split(np.arange(len(y)), test_size=0.5, stratify=y,
                                   random_state=SPLIT_SEED)
    train, test = np.sort(train), np.sort(test)
    xtr, ytr, xte, yte = x[train], y[train], x[test], y[test]
    iforest = IsolationForest(n_estimators=100, random_state=0).fit(xtr)
    forest = RandomForestClassifier(n_estimators=100, max_features="sqrt",
                                    random_state=0).fit(xtr, ytr)
    test_decision = ocsvm(xtr, xte)[0]
    return {
        "name": d["name"],
        "how": d["how"],
        "featureNames": d["featureNames"],
        "rows": x.tolist(),
        "labels": y.tolist(),
        "ocsvm": {
            "nu": NU,
            "gamma": gamma,
            "rho": float(-model.intercept_[0]),
            "supportVectors": int(len(model.support_)),
            "fitMs": fit_ms,
            "decision": decision.tolist(),
            "auc": float(roc_auc_score(y, -decision)),
        },
        "split": {
            "seed": SPLIT_SEED,
            "train": train.tolist(),
            "test": test.tolist(),
            "sklearnAuc": {
                "iforest": float(roc_auc_score(yte, -iforest.score_samples(xte))),
                "ocsvm": float(roc_auc_score(yte, -test_decision)),
                "rf": float(roc_auc_score(yte, forest.predict_proba(xte)[:, 1])),
            },
        },
    }


if __name__ == "__main__":
    json.dump({"sklearn": sklearn.__version__,
               "datasets": [run(make()) for make in (breast_cancer, digits, wine)]}, sys.stdout)
