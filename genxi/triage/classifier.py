"""The category classifier: character n-grams of title and details, a linear SVM.

Chosen by measurement (`python -m bench.triage_choices`, figures in docs/benchmarks.md) on a
public set of 495 labelled citizen messages, mean macro-F1 over five shuffles of 5-fold
cross-validation: character 1–2-grams (0.845) beat jieba's words (0.734) and single characters
(0.823) and edge out 1–3-grams (0.840) at half the time; title and details as two feature spaces
beat one joined text (0.823); sublinear term frequencies edge out raw counts (0.841); dropping
n-grams seen once helps from 100 examples on (0.832 without). With calibration, balanced class
weights change little (0.844 without) but keep rare categories from being drowned. Nothing here
is specific to that set.

Confidences are calibrated probabilities (Platt scaling on held-out folds), so a community's
auto-apply threshold means what it says.
"""

import pickle
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix, hstack  # type: ignore[import-untyped]
from sklearn.calibration import CalibratedClassifierCV  # type: ignore[import-untyped]
from sklearn.feature_extraction.text import TfidfVectorizer  # type: ignore[import-untyped]
from sklearn.metrics import accuracy_score, precision_recall_fscore_support  # type: ignore[import-untyped]
from sklearn.model_selection import StratifiedKFold  # type: ignore[import-untyped]
from sklearn.svm import LinearSVC  # type: ignore[import-untyped]

from genxi.triage.text import normalise

Scored = list[tuple[str, float]]


@dataclass(frozen=True)
class Options:
    """The classifier's choices; the defaults are the measured best (bench/triage_choices.py)."""

    ngram_max: int = 2  # character 1..n-grams
    fields: bool = True  # title and details as two feature spaces (False: one joined text)
    sublinear_tf: bool = True
    balanced: bool = True  # class weights inverse to class sizes
    min_df: int | None = None  # None: 2 from 100 examples on, else 1
    words: bool = False  # jieba's words instead of characters (jieba is not a dependency)


def _words(text: str) -> list[str]:
    import jieba  # type: ignore[import-not-found]  # only for comparing choices

    return [w for w in jieba.lcut(text) if w.strip()]


class _Field:
    """One text field's TF-IDF space (empty when the field never has text)."""

    def __init__(self, options: Options, min_df: int) -> None:
        self.vectorizer: TfidfVectorizer | None = TfidfVectorizer(
            analyzer=_words if options.words else "char",
            ngram_range=(1, options.ngram_max),
            min_df=min_df,
            sublinear_tf=options.sublinear_tf,
            lowercase=False,
            dtype=np.float32,
        )

    def fit_transform(self, texts: Sequence[str]) -> csr_matrix:
        assert self.vectorizer is not None
        try:
            return self.vectorizer.fit_transform(texts)
        except ValueError:  # no n-gram kept: every text blank, or all too rare
            self.vectorizer = None
            return csr_matrix((len(texts), 0), dtype=np.float32)

    def transform(self, texts: Sequence[str]) -> csr_matrix:
        if self.vectorizer is None:
            return csr_matrix((len(texts), 0), dtype=np.float32)
        return self.vectorizer.transform(texts)


@dataclass
class Classifier:
    options: Options = field(default_factory=Options)
    labels: list[str] = field(default_factory=list)
    _fields: list[_Field] = field(default_factory=list)
    _model: Any = None

    def _svm(self) -> LinearSVC:
        return LinearSVC(class_weight="balanced" if self.options.balanced else None)

    def _texts(self, titles: Sequence[str], details: Sequence[str]) -> list[list[str]]:
        if self.options.fields:
            return [[normalise(t) for t in titles], [normalise(d) for d in details]]
        joined = [normalise(f"{t} {d}") for t, d in zip(titles, details, strict=True)]
        return [joined, [""] * len(joined)]

    def fit(
        self, titles: Sequence[str], details: Sequence[str], labels: Sequence[str]
    ) -> "Classifier":
        if len(set(labels)) < 2:
            raise ValueError("at least two categories are needed to learn from")
        # An n-gram seen in one text only is noise once there is enough to learn from.
        min_df = self.options.min_df or (2 if len(labels) >= 100 else 1)
        self._fields = [_Field(self.options, min_df), _Field(self.options, min_df)]
        features = hstack(
            [
                f.fit_transform(texts)
                for f, texts in zip(self._fields, self._texts(titles, details), strict=True)
            ]
        ).tocsr()
        y = np.asarray(labels)
        smallest = min(np.unique(y, return_counts=True)[1])
        if smallest >= 2:
            self._model = CalibratedClassifierCV(
                self._svm(), method="sigmoid", cv=min(3, int(smallest)), ensemble=False
            )
        else:  # too few examples of some category to hold any out: softmax of the margins
            self._model = self._svm()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", category=UserWarning)  # liblinear on tiny sets
            self._model.fit(features, y)
        self.labels = [str(label) for label in self._model.classes_]
        return self

    def _features(self, titles: Sequence[str], details: Sequence[str]) -> csr_matrix:
        texts = self._texts(titles, details)
        return hstack([f.transform(t) for f, t in zip(self._fields, texts, strict=True)]).tocsr()

    def probabilities(self, titles: Sequence[str], details: Sequence[str]) -> np.ndarray:
        """One row per text, one column per label (in `labels` order), rows summing to 1."""
        features = self._features(titles, details)
        if hasattr(self._model, "predict_proba"):
            return np.asarray(self._model.predict_proba(features))
        margins = np.asarray(self._model.decision_function(features))
        if margins.ndim == 1:  # two labels: one margin, for the second
            margins = np.column_stack([-margins, margins])
        exp = np.exp(margins - margins.max(axis=1, keepdims=True))
        return np.asarray(exp / exp.sum(axis=1, keepdims=True))

    def predict(self, titles: Sequence[str], details: Sequence[str]) -> list[str]:
        rows = self.probabilities(titles, details)
        return [self.labels[i] for i in rows.argmax(axis=1)]

    def top(self, title: str, details: str = "", k: int = 3) -> Scored:
        row = self.probabilities([title], [details])[0]
        best = np.argsort(-row)[:k]
        return [(self.labels[i], float(row[i])) for i in best]

    def dumps(self) -> bytes:
        return pickle.dumps(self, protocol=pickle.HIGHEST_PROTOCOL)

    @staticmethod
    def loads(blob: bytes) -> "Classifier":
        # Only `train` writes these blobs, into the deployment's own database.
        model = pickle.loads(blob)
        assert isinstance(model, Classifier)
        return model


class KeywordClassifier:
    """A new deployment's classifier: the keywords staff keep on each category.

    A keyword in the title counts twice; the confidence is the category's share of all hits.
    """

    def __init__(self, keywords: dict[str, list[str]]) -> None:
        self.keywords = {
            label: [normalise(w) for w in words if normalise(w)]
            for label, words in keywords.items()
        }

    def top(self, title: str, details: str = "", k: int = 3) -> Scored:
        title, details = normalise(title), normalise(details)
        hits = {
            label: sum(2 * title.count(w) + details.count(w) for w in words)
            for label, words in self.keywords.items()
        }
        total = sum(hits.values())
        if not total:
            return []
        ranked = sorted(((n, label) for label, n in hits.items() if n), key=lambda x: (-x[0], x[1]))
        return [(label, n / total) for n, label in ranked[:k]]


@dataclass
class Report:
    labels: list[str]
    support: list[int]
    precision: list[float]
    recall: list[float]
    f1: list[float]
    accuracy: float
    macro_f1: float
    folds: int
    seed: int
    skipped: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "folds": self.folds,
            "seed": self.seed,
            "accuracy": round(self.accuracy, 4),
            "macro_f1": round(self.macro_f1, 4),
            "classes": {
                label: {
                    "support": self.support[i],
                    "precision": round(self.precision[i], 4),
                    "recall": round(self.recall[i], 4),
                    "f1": round(self.f1[i], 4),
                }
                for i, label in enumerate(self.labels)
            },
        }

    def lines(self) -> list[str]:
        width = max([len(label) * 2 for label in self.labels] + [10])
        out = [f"{'class':<{width}}  precision  recall     f1  support"]
        for i, label in enumerate(self.labels):
            pad = width - len(label) * 2 + len(label)  # CJK characters take two columns
            out.append(
                f"{label:<{pad}}  {self.precision[i]:9.3f}  {self.recall[i]:6.3f}"
                f"  {self.f1[i]:5.3f}  {self.support[i]:7d}"
            )
        for label, n in self.skipped.items():
            out.append(f"(left out {label}: {n} examples, fewer than {self.folds} folds)")
        out.append(f"accuracy {self.accuracy:.3f}")
        out.append(f"macro-F1 {self.macro_f1:.3f}")
        return out


def cross_validate(
    titles: Sequence[str],
    details: Sequence[str],
    labels: Sequence[str],
    *,
    folds: int = 5,
    seed: int = 0,
    options: Options | None = None,
) -> Report:
    """Stratified K-fold cross-validation (shuffled with a fixed seed) of `Classifier`.

    A class with fewer examples than folds cannot be stratified: it is left out and reported.
    """
    counts: dict[str, int] = {}
    for label in labels:
        counts[label] = counts.get(label, 0) + 1
    skipped = {label: n for label, n in counts.items() if n < folds}
    keep = [i for i, label in enumerate(labels) if label not in skipped]
    t = [titles[i] for i in keep]
    d = [details[i] for i in keep]
    y = np.asarray([labels[i] for i in keep])
    if len(set(y)) < 2:
        raise ValueError("need at least two classes with as many examples as folds")
    predicted = np.empty(len(y), dtype=object)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train, test in splitter.split(np.zeros(len(y)), y):
        model = Classifier(options or Options()).fit(
            [t[i] for i in train], [d[i] for i in train], y[train].tolist()
        )
        predicted[test] = model.predict([t[i] for i in test], [d[i] for i in test])
    classes = sorted(set(y.tolist()), key=lambda c: (-counts[c], c))
    precision, recall, f1, support = precision_recall_fscore_support(
        y, predicted.astype(str), labels=classes, zero_division=0
    )
    return Report(
        labels=classes,
        support=[int(s) for s in support],
        precision=[float(v) for v in precision],
        recall=[float(v) for v in recall],
        f1=[float(v) for v in f1],
        accuracy=float(accuracy_score(y, predicted.astype(str))),
        macro_f1=float(np.mean(f1)),
        folds=folds,
        seed=seed,
        skipped=skipped,
    )
