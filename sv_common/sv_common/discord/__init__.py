"""Discord layer shared by every plugin: member, role and channel sync, officer checks."""
