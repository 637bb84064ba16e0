"""The timeline of hand-offs: episodes, relays, and the rupture and relais-de-sens checks."""
