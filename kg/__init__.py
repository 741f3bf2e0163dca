"""kg: a knowledge-graph builder for the machine-learning literature."""

__version__ = "0.1.0"
