"""API routes of the timeline package."""
