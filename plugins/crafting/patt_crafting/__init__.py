"""Crafting Corner: who in the guild can craft what (``plugins/crafting``)."""
