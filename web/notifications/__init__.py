"""In-app notifications: the list, mark read, the unread count in the header, the daily-digest setting."""
