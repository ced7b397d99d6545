"""What the app knows that is neither HTTP nor SQLite: no module here imports
Flask, Werkzeug or sqlite3."""
