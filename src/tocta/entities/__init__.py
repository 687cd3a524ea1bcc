"""FollowTheMoney entities stored as statements with tocta provenance (DESIGN.md §3)."""
