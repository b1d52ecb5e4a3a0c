"""honnin trustlist role."""
