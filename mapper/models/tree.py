"""Decision tree and AdaBoost classifiers: fitted by scikit-learn, walked in plain Python/numpy."""

from __future__ import annotations

from typing import Any

import numpy as np

from .base import Classifier

# scikit-learn compares inputs as float32 against its split thresholds; we do the same so our
# answers match its predictions exactly.
_F32 = np.float32


def _leaf_values(tree: Any) -> np.ndarray:
    """Class fractions (n_nodes, n_classes) stored at each node of a fitted sklearn tree."""
    value = np.asarray(tree.tree_.value)[:, 0, :]
    total = value.sum(axis=1, keepdims=True)
    return value / np.where(total > 0, total, 1.0)


class DecisionTreeClassifier(Classifier):
    """Class output from a tree of yes/no questions about the inputs."""

    type_name = "tree"

    def __init__(self, max_depth: int | None = None) -> None:
        self.max_depth = max_depth

    def _fit_classes(self, X: np.ndarray, yi: np.ndarray) -> None:
        from sklearn.tree import DecisionTreeClassifier as SkTree

        tree = SkTree(max_depth=self.max_depth, random_state=0).fit(X, yi)
        t = tree.tree_
        self._left_ = t.children_left.tolist()
        self._right_ = t.children_right.tolist()
        self._feature_ = t.feature.tolist()
        self._threshold_ = t.threshold.tolist()
        # tree.classes_ are the positions 0..K-1 of the classes seen
        self._node_proba_ = _leaf_values(tree)
        self._node_class_ = self._node_proba_.argmax(axis=1).tolist()
        self.depth_ = int(tree.get_depth())

    def _leaf(self, x: np.ndarray) -> int:
        xl = x.astype(_F32).tolist()
        left, right, feature, threshold = (
            self._left_,
            self._right_,
            self._feature_,
            self._threshold_,
        )
        node = 0
        while left[node] != -1:
            node = left[node] if xl[feature[node]] <= threshold[node] else right[node]
        return node

    def _predict_index(self, x: np.ndarray) -> int:
        return self._node_class_[self._leaf(x)]

    def _proba(self, x: np.ndarray) -> np.ndarray:
        return self._node_proba_[self._leaf(np.asarray(x, dtype=np.float64))].copy()


class AdaBoostClassifier(Classifier):
    """Class output from a weighted vote of many shallow trees (AdaBoost SAMME)."""

    type_name = "adaboost"

    def __init__(self, n_estimators: int = 50, max_depth: int = 2) -> None:
        self.n_estimators = n_estimators
        self.max_depth = max_depth

    def _fit_classes(self, X: np.ndarray, yi: np.ndarray) -> None:
        from sklearn.ensemble import AdaBoostClassifier as SkAdaBoost
        from sklearn.tree import DecisionTreeClassifier as SkTree

        base = SkTree(max_depth=self.max_depth)
        try:
            boost = SkAdaBoost(base, n_estimators=self.n_estimators, random_state=0).fit(X, yi)
            trees = list(boost.estimators_)
            weights = np.asarray(boost.estimator_weights_[: len(trees)], dtype=np.float64)
        except ValueError:
            # the first tree was no better than chance (e.g. all inputs identical): use it alone
            trees = [SkTree(max_depth=self.max_depth, random_state=0).fit(X, yi)]
            weights = np.ones(1)
        self._stack_trees(trees, weights)

    def _stack_trees(self, trees: list[Any], weights: np.ndarray) -> None:
        """Join all trees into flat node arrays so one numpy step advances every tree at once."""
        left, right, feature, threshold, node_class, roots = [], [], [], [], [], []
        at, depth = 0, 0
        for tree in trees:
            t = tree.tree_
            ids = np.arange(t.node_count) + at
            leaf = t.children_left == -1
            left.append(np.where(leaf, ids, t.children_left + at))
            right.append(np.where(leaf, ids, t.children_right + at))
            feature.append(np.where(leaf, 0, t.feature))
            threshold.append(np.where(leaf, np.inf, t.threshold))
            node_class.append(tree.classes_[_leaf_values(tree).argmax(axis=1)])
            roots.append(at)
            at += t.node_count
            depth = max(depth, int(tree.get_depth()))
        self._left_ = np.concatenate(left).astype(np.intp)
        self._right_ = np.concatenate(right).astype(np.intp)
        self._feature_ = np.concatenate(feature).astype(np.intp)
        self._threshold_ = np.concatenate(threshold)
        self._node_class_ = np.concatenate(node_class).astype(np.intp)
        self._roots_ = np.array(roots, dtype=np.intp)
        self._tree_weights_ = weights
        self._steps_ = depth
        self._n_classes_ = len(self.classes_)
        self.n_trees_ = len(trees)

    def _votes(self, x: np.ndarray) -> np.ndarray:
        x32 = x.astype(_F32)
        nodes = self._roots_
        for _ in range(self._steps_):
            go_left = x32[self._feature_[nodes]] <= self._threshold_[nodes]
            nodes = np.where(go_left, self._left_[nodes], self._right_[nodes])
        return np.bincount(
            self._node_class_[nodes], weights=self._tree_weights_, minlength=self._n_classes_
        )

    def _predict_index(self, x: np.ndarray) -> int:
        return int(self._votes(x).argmax())  # ties go to the lowest label, as in scikit-learn

    def _proba(self, x: np.ndarray) -> np.ndarray:
        """Each class's share of the trees' weighted votes."""
        votes = self._votes(np.asarray(x, dtype=np.float64))
        return votes / votes.sum()
