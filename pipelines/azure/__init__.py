"""Azure Cost Management export sources."""
