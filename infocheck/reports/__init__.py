"""Reports, which only read results: the terminal, the HTML page (Jinja2 templates), the JSON
report and JUnit."""
