"""The tables the config decides (host map, carbon factors), so SQL models can join them."""
