"""The composition root: configuration, the command line, and `segments serve`, which builds the Slack app
(`bot`) and the admin page (`admin`) into one process. `bot` and `admin` never import each other."""
