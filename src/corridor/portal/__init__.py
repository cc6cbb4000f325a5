"""The public requester portal: Russian first, no JavaScript, nothing third-party."""
