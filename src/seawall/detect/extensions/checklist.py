"""The review checklist. Every extension finding answers exactly one of these questions."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Question:
    key: str
    title: str
    text: str


QUESTIONS: dict[str, Question] = {q.key: q for q in (
    Question("network", "Network", "Does it make network calls, and to which domains?"),
    Question("writes", "Writes outside its folder",
             "Does it write outside its designated directories (shell rc files, ~/.ssh, crontab, other projects)?"),
    Question("shell", "Shell execution", "Does it run shell commands, especially ones built from input or downloaded?"),
    Question("credentials", "Credential reads", "Does it read credentials (~/.aws, ~/.ssh, .env, keychains, tokens)?"),
    Question("exfiltration", "Data leaving the machine",
             "Does it send credentials, environment variables, prompts or files to a remote host?"),
    Question("dependencies", "Supply chain",
             "Are its dependencies pinned, and are they the packages they claim to be?"),
    Question("obfuscation", "Obfuscation", "Is any code encoded, packed or minified so a reviewer cannot read it?"),
    Question("hidden", "Hidden instructions",
             "Does text the model reads carry instructions a person cannot see (comments, invisible Unicode, bidi)?"),
    Question("manipulation", "Model manipulation",
             "Does text the model reads tell it to hide actions, change other tools, or act against the user?"),
    Question("permissions", "Permissions", "Does it widen its own permissions or switch off approval prompts?"),
    Question("config-secrets", "Secrets in configuration", "Does its configuration hold literal secrets?"),
    Question("transport", "Transport", "Does it talk to a remote server over plain http?"),
)}
