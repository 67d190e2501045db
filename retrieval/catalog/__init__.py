"""Catalog model and loaders for the demo catalog, user files and the shared research formats."""

from retrieval.catalog.load_report import LoadReport, Reject
from retrieval.catalog.product import Product

__all__ = ["LoadReport", "Product", "Reject"]
