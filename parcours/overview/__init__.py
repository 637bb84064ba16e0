"""The plans at a glance: the home page's list and each plan's overview, over the alliance,
the means and the timeline."""
