"""Installed skills, plugins and MCP servers: discovery, the approved list, the lockfile and verify,
and static review of extension folders (`seawall scan skills`)."""
