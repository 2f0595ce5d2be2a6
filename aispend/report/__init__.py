"""``aispend report``: one self-contained HTML page of spend, waste and savings."""
