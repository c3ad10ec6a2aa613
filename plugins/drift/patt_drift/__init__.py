"""PATT drift plugin: data-quality rules, self-resolving findings, the audit channel."""
