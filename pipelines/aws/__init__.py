"""AWS Cost and Usage Reports (legacy and CUR 2.0) into marts.cost_lines."""
