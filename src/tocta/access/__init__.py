"""Who may see what: clearances, grants and the one access rule."""

from tocta.access.clearance import Clearance, Grants, Labels, allowed

__all__ = ["Clearance", "Grants", "Labels", "allowed"]
