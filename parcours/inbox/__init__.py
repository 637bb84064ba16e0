"""What needs me: one list, across a user's plans, of what waits for them (issue 13's inbox;
its to-do part, derived from the state)."""
