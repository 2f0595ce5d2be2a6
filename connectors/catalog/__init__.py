"""Public list prices: what spot capacity would have cost on demand, which bills do not say."""
