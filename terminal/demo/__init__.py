"""The demo store: its documents, members, staff and seed, the scripted store day, and the
simulator panel's card taps."""
