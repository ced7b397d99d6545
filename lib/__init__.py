"""The application's code, in layers whose imports point one way:

    core     what the app knows that is neither HTTP nor SQLite (time and
             zones, kana, vocabulary rules, the scheduler's arithmetic, settings)
    store    SQLite: connections, transactions, migrations, backups,
             integrity, seed, word files, history and schedules
    web      Flask: errors, validation, idempotency, security, paging, answers
    startup, commands
             what app.py assembles: start-up checks, every ``flask`` command

A module imports from its own layer or the ones before it, never after
(tests/test_layers.py holds every import to that).
"""
