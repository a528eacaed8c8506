"""Small reusable widgets: PathList (virtual list), Details, SizeBar."""

from __future__ import annotations
