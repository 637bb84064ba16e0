"""Negotiating the means: proposals, stances, decisions, commitments and reviews."""
