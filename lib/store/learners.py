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
