"""Renderers shared by every scan: text (rich), JSON and SARIF 2.1.0. Masked previews only."""
