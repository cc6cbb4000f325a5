"""The organisations directory: whom we refer to or receive from, and the keys of those
that run Corridor (changed only by two coordinators); their Corridors witness our tree
heads and we theirs."""
