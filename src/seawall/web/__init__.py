"""The dashboard at /ui: server-rendered pages, inline SVG charts, no front-end build step."""
