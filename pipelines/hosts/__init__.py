"""The config's ``hosts:`` list as a warehouse table, so SQL models can join GPU hosts to bills."""
