"""The voting plugin: campaigns, ballots, counting (``patt_voting.counting``), BLT audit files."""
