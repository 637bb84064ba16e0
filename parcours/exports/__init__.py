"""Letting the plan travel: the FHIR export, the printable plan, and CSV exports.

The mappings are pure functions from domain objects to documents; the views load the objects,
log the export in the access log and answer the file.
"""
