"""The onboarding domain: sessions and their transitions (sessions.py), verification and provisioning (provision.py)."""
