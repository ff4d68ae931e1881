"""Notifications: in-app notifications and the e-mail outbox (delivered after commit), daily digests."""
