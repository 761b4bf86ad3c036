"""The policy: one file (seawall.yaml), validated, explainable, testable; decide() for every enforcement point."""
