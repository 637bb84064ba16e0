"""The alliance: each member's point of view, and the shared objective written together."""
