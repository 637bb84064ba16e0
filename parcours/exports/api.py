"""API: the FHIR export of a parcours."""
