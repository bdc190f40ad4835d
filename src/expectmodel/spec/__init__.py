"""One specification language for every estimator: a parameter table, a builder, lavaan-style text and templates."""

from expectmodel.spec import templates
from expectmodel.spec.model import Construct, Model, Path, composite, items, paths, reflective
from expectmodel.spec.syntax import parse, parse_table
from expectmodel.spec.table import ParameterTable, Row, Supports

__all__ = [
    "Construct", "Model", "ParameterTable", "Path", "Row", "Supports", "composite", "items", "parse",
    "parse_table", "paths", "reflective", "templates",
]
