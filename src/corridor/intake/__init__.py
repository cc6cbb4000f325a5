"""Requests for help as they arrive (portal, hotline, referral), codenames, requester
sessions and threads, and the throttles in front of them."""
