"""honnin wallet role."""
