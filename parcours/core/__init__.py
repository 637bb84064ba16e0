"""Shared bits: model mixins, errors, the audit writer, the API blueprint, security headers."""
