"""What rises (issue 15): observers see figures drawn from many plans of their organisation or
territory, never a plan; figures drawn from fewer than 5 plans are withheld. Later: the
statements of unmet needs co-signed in a plan, and the observers' answers back down."""
