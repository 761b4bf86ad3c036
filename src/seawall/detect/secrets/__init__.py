"""Secret detection: a rule table (rules.toml), validators, a keyword prefilter and the engine."""

from seawall.detect.secrets.engine import SecretDetector

__all__ = ["SecretDetector"]
