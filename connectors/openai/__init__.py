"""OpenAI's organization Costs and Usage API pages."""
