"""Easy-read pages (FALC, "facile à lire et à comprendre"): one task per screen, short
sentences, pictograms, big buttons, read-aloud. A way of showing the plan, not a domain of its
own: it calls the operations of the alliance and means packages."""
