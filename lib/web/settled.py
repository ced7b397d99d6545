"""What a worker keeps of a learner's settled quarters: the running totals
and the runs of study days that follow from the sessions and reviews
before their latest quarter (migration 0028).

A new session or review adds to the latest quarter, or opens a later one,
and leaves the others as they are; whatever else changes a quarter draws a
new settled_version. The study days change with the sessions alone, which
are in the quarters: inserted, or removed from Python, which draws. So what
follows from the sessions and reviews before the latest quarter's start is
the same under one version, and is kept under it.

A request uses what is kept only for what its own reading of the database
finds settled: another request, reading a newer state under the same
version, may have kept what this one's older state does not hold yet."""
from bisect import bisect_right

from flask import current_app

from lib.web.answers import KeptValues
from lib.web.auth import learner_id
from lib.web.database import query_one

# The version of the learner's settled quarters, and the latest quarter's start
SETTLED = """
SELECT (SELECT settled_version FROM learner_versions WHERE learner_id = ?1) AS version,
       (SELECT max(quarter) FROM study_quarters WHERE learner_id = ?1) AS latest
"""
# What each worker keeps: so many dicts (a learner's totals, their totals
# in review and their runs: for 256 learners), of up to so many entries
# each (the totals at a year of days in a dozen zones)
KEPT_KINDS = 3 * 256
KEPT_EACH = 5000


def init_app(app):
    app.extensions["kept_settled"] = KeptValues(KEPT_KINDS, KEPT_EACH)


class SettledQuarters:
    """The learner's settled quarters as the request's snapshot reads them:
    their version, and their end (the latest quarter's start)."""

    def __init__(self):
        learner = learner_id()
        row = query_one(SETTLED, (learner,))
        # without its row (taken out by hand) nothing names the state: nothing is kept
        self.key = None if row["version"] is None else (learner, row["version"])
        self.end = row["latest"]

    def settled_before(self, moment):
        """Whether every session and review before the stored time ``moment``
        is in a settled quarter, as this request reads them."""
        return self.end is not None and moment <= self.end

    def count_settled(self, moments):
        """How many of ``moments`` (stored times, in order) are settled_before:
        the first ones."""
        return bisect_right(moments, self.end) if self.end is not None else 0

    def kept(self, kind):
        """The dict kept of ``kind`` (a name for what is kept) under the
        version: to read only at what is settled_before, and to ``keep`` in."""
        return current_app.extensions["kept_settled"].at(self.key and (*self.key, kind))

    def keep(self, kept, values):
        """Add ``values`` ({key: value}) to ``kept``, if it has room."""
        current_app.extensions["kept_settled"].keep(kept, values)
