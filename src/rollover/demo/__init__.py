"""The deterministic demo district: a K-12 district of any size from 100 to 1,000,000 students,
written table by table to a sink.  Shape and numbers: docs/demo-district.md."""

from .generator import DemoSummary, generate

__all__ = ["DemoSummary", "generate"]
