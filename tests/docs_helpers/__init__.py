"""Helpers of tests/test_docs.py: reading built HTML, and a Node script that reads rendered diagrams."""
