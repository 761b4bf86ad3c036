"""The gateway: a proxy for the Anthropic and OpenAI APIs that enforces the policy."""
