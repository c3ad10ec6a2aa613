"""Raid nights: members' availability for officers, the weekly schedule (recurring events),
raid events with signups by rule, auto-booking a week ahead, and attendance."""
