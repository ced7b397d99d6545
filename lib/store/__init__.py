"""SQLite: every connection, transaction and statement outside the routes.
Nothing here knows of HTTP: no module imports Flask or Werkzeug."""
