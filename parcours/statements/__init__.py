"""Voices that rise (issue 15, part 3): in a plan, the person (or their legal representative)
and a professional co-sign a short statement of an unmet need or a proposal, addressed to an
organisation or a territory; once both have signed, its observers read it without a name or a
link to the plan, group the statements that say the same thing, and answer; the answer comes
back into the plan."""
