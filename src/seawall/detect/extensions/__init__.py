"""Static review of AI-assistant extensions: skills, plugins, hooks, MCP server definitions and the
context files assistants load as instructions. Pure: text and a path in, findings out."""

from seawall.detect.extensions.checklist import QUESTIONS, Question
from seawall.detect.extensions.engine import ExtensionDetector, review_text

__all__ = ["QUESTIONS", "ExtensionDetector", "Question", "review_text"]
