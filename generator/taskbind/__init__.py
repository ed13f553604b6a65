"""taskbind: typed bindings for the MCP Tasks extension, generated from one canonical spec."""

__version__ = "0.1.0"
