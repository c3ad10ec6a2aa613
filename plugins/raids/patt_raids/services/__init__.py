"""The raids plugin's domain logic: one module per job (events, schedule, availability, booking, attendance)."""
