"""The voting plugin: campaigns, ballots, counting (``patt_voting.services.counting``), BLT audit files."""
