"""One page of a sorted list, reading that page rather than the table.

The ids of the page come first, from an index in the requested order; the
rows themselves are then fetched by id. Skipping to a late page walks index
entries only, and from whichever end of the index is nearer, so no page
skips more than half of the list.
"""
from lib.db import query_all

FLIP = {"ASC": "DESC", "DESC": "ASC"}


def fetch_page(ids_sql, rows_sql, params, sort, total, per_page, offset):
    """The rows of one page, in order.

    ``ids_sql`` selects the ids, with ``{order}`` for the ORDER BY and
    ``LIMIT ? OFFSET ?`` after ``params``; ``rows_sql`` selects the rows whose
    id is in ``({ids})``. ``sort`` is (column, id column, direction), from a
    whitelist; ``total`` is how many ids ``ids_sql`` finds, from a counter."""
    column, id_column, direction = sort
    count = min(per_page, total - offset)
    if count <= 0:
        return []
    from_end = offset > total - offset - count
    if from_end:
        direction, offset = FLIP[direction], total - offset - count
    order = f"{column} {direction}, {id_column} {direction}"
    ids = [row["id"] for row in query_all(ids_sql.format(order=order), (*params, count, offset))]
    if from_end:
        ids.reverse()
    rows = {row["id"]: row for row in query_all(rows_sql.format(ids=",".join("?" * len(ids))), ids)}
    return [rows[row_id] for row_id in ids if row_id in rows]
