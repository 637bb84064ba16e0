"""API routes of the means package."""
