"""keyd: the key daemon that holds the KEK in memory, apart from the web and worker.

    corridor keys init --shares 5 --threshold 3   # shares.initialise_kek: prints 5 shares once
    corridor keyd                                  # server.run_keyd: starts sealed
    corridor unseal                                # client.KeydAdmin.unseal, one trustee at a time
    corridor seal                                  # forget the KEK (best effort in Python)
    corridor keys log verify                       # journal.verify_log

Modules: `protocol` (the wire format), `service` (the operations, unseal, who may
unwrap, limits), `policy` (the registry apps add their unwrap rules to), `limits`,
`shares` (SLIP-39 and the KEK record), `journal` (the hash-chained log),
`hardening`, `server` (the two sockets), `client` (the `keyd` provider and the
operator's client), `config`.
"""
