"""honnin: the command line and demos that compose the roles (wiring only)."""

__version__ = "0.1.0"
