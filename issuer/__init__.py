"""honnin issuer role."""
