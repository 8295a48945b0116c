"""Police performance metrics: the plan, the figures store, the status engine and the CLI."""
