"""LJAT3 data: outcome classes, the data sets D1/D2 (random starts) and D3 (the S2 grid)."""

from .classes import (DISSOCIATED, FAILED, FREE_ATOMS, LABEL_NAMES, LINEAR_1, LINEAR_2, LINEAR_3,
                      OTHER, TRIANGLE, UNCONVERGED, classify, label_outcomes, outcome_counts,
                      reference_minima)
from .d3 import D3Grid, d3_grid, d3_labels, plane_samples
from .datasets import DATASETS, Dataset, make_dataset, random_starts

__all__ = ["classify", "label_outcomes", "outcome_counts", "reference_minima", "LABEL_NAMES",
           "TRIANGLE", "LINEAR_1", "LINEAR_2", "LINEAR_3", "DISSOCIATED", "UNCONVERGED",
           "FAILED", "OTHER", "FREE_ATOMS", "make_dataset", "Dataset", "DATASETS",
           "random_starts", "d3_grid", "d3_labels", "D3Grid", "plane_samples"]
