"""Prometheus metrics: counts and timings only, labelled by route, provider, status and model
family; never by user content."""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter("seawall_requests_total", "Gateway requests", ["route", "provider", "status"],
                                registry=r)
        self.duration = Histogram("seawall_request_duration_seconds", "Time to the last byte", ["route"],
                                  registry=r, buckets=(0.005, 0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300))
        self.upstream_ttfb = Histogram("seawall_upstream_first_byte_seconds", "Upstream time to headers",
                                       ["provider"], registry=r,
                                       buckets=(0.005, 0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60))
        self.tokens = Counter("seawall_tokens_total", "Tokens by direction", ["provider", "direction"], registry=r)
        self.open_streams = Gauge("seawall_open_streams", "Streams being relayed", registry=r)
        self.errors = Counter("seawall_errors_total", "Gateway-side errors", ["code"], registry=r)
        self.audit_dropped = Gauge("seawall_audit_dropped", "Audit events dropped (queue full)", registry=r)
        self._children: dict[tuple[Any, tuple[str, ...]], Any] = {}

    def child(self, metric: Any, *values: str) -> Any:
        """metric.labels(*values), kept (labels() validates and takes a lock on every call). The label
        values are few: routes, providers, status codes, directions."""
        key = (metric, values)
        found = self._children.get(key)
        if found is None:
            found = self._children[key] = metric.labels(*values)
        return found
