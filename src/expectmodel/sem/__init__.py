"""Estimators of a :class:`~expectmodel.spec.Model`: PLS path modelling (covariance SEM to follow)."""

from expectmodel.sem.groups import MultiGroupPLS, MultiGroupResults
from expectmodel.sem.ipma import IPMA
from expectmodel.sem.pls import PLS
from expectmodel.sem.predict import PLSPredictResults
from expectmodel.sem.results import PLSResults

__all__ = ["IPMA", "PLS", "MultiGroupPLS", "MultiGroupResults", "PLSPredictResults", "PLSResults"]
