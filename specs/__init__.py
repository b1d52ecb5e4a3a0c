"""honnin executable specifications: pure formats, messages and rules (no I/O, no clock)."""
