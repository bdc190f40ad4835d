"""One specification language for every estimator: a builder, lavaan-style text and templates."""

from expectmodel.spec import templates
from expectmodel.spec.model import Construct, Model, Path, composite, items, paths, reflective
from expectmodel.spec.syntax import parse

__all__ = ["Construct", "Model", "Path", "composite", "items", "parse", "paths", "reflective", "templates"]
