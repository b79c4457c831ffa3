"""newswatch: watches news feeds and keeps a live, versioned register of real-world incidents.

This package is the core every other part shares: settings, domain types and errors.
Imports run one way: ops -> workers -> feeds -> db -> newswatch.
"""

__version__ = "0.1.0"
