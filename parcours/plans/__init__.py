"""Plans: a parcours, its members (the allies) and the invitations that bring them in."""
