"""Placeholder: filled by the fast path check suite."""
