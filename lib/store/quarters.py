"""The running totals per learner and 15-minute UTC quarter (study_quarters,
kept by triggers as sessions and reviews are added), changed from Python
where no trigger sees the change: history removed, or a replay finding
that a review was given in another state than it was stored with."""

# The totals in each quarter's row, in the order the changes below give them
TOTALS = ("sessions_total", "review_items_total", "correct_total", "in_review_items_total",
          "in_review_correct_total")
ADD = (f"UPDATE study_quarters SET {', '.join(f'{column} = {column} + ?' for column in TOTALS)}"
       " WHERE learner_id = ? AND quarter >= ?")
# The learner's settled quarters changed: what was kept of them is not (migration 0028)
UNSETTLED = "UPDATE learner_versions SET settled_version = random() WHERE learner_id = ?"


def quarter_of(created_at):
    """The quarter of a stored time, as the triggers compute it:
    2026-03-08T23:52:10Z is in 2026-03-08T23:45:00Z."""
    return f"{created_at[:14]}{int(created_at[14:16]) // 15 * 15:02d}:00Z"


def add(conn, learner_id, changes):
    """Add ``changes`` {quarter: one number per TOTALS, negative to take
    away} to the learner's running totals: to its quarter and every later
    one. Each row is updated once, by the last changed quarter at or before it."""
    quarters = sorted(changes)
    running = (0,) * len(TOTALS)
    for index, quarter in enumerate(quarters):
        running = tuple(a + b for a, b in zip(running, changes[quarter]))
        until, until_params = ((" AND quarter < ?", (quarters[index + 1],)) if index + 1 < len(quarters)
                               else ("", ()))
        conn.execute(ADD + until, (*running, learner_id, quarter, *until_params))
    if quarters:
        conn.execute(UNSETTLED, (learner_id,))
