"""Faust agents: `normalize` (articles to events) and `aggregate` (events to tables)."""
