"""One dispatch API for Discord DMs and channel posts, through a durable outbox."""
