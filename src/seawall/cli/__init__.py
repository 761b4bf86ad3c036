"""Command line: one module per command group. Thin: parse, call the core, render."""
