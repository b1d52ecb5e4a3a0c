"""honnin verifier role."""
