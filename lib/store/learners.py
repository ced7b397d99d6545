"""Learners: who studies on this server. Each has their own record and may
have their own settings; NULL settings are the server's."""

# The learner of everything recorded before there were several (migration
# 0015), who may do anything; acting for anonymous requests from this machine.
DEFAULT_LEARNER_ID = 1

LEARNER = "SELECT id, name, admin, time_zone, new_per_day, desired_retention FROM learners WHERE id = ?"
RETENTIONS = "SELECT id, desired_retention FROM learners WHERE desired_retention IS NOT NULL"


def retentions(conn):
    """{learner id: desired retention} of the learners who set their own."""
    return dict(conn.execute(RETENTIONS).fetchall())


def add_learner(conn, name, admin, created_at):
    """The new learner's id (their totals row comes with them: a trigger)."""
    return conn.execute("INSERT INTO learners (name, admin, created_at) VALUES (?, ?, ?)",
                        (name, int(admin), created_at)).lastrowid


def add_token(conn, learner_id, name, scopes, secret_hash, created_at):
    """Keep a token: its name, its scopes and the hash of its secret, never the secret."""
    return conn.execute("INSERT INTO tokens (learner_id, name, scopes, secret_hash, created_at) VALUES (?, ?, ?, ?, ?)",
                        (learner_id, name, " ".join(scopes), secret_hash, created_at)).lastrowid
