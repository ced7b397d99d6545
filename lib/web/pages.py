"""One page of a sorted list, reading that page rather than the table.

The ids of the page come first, from an index in the requested order; the
rows themselves are then fetched by id. Skipping to a late page walks index
entries only, and from whichever end of the index is nearer, so no page
skips more than half of the list. Where counters say how many rows share a
prefix of the sort key (sessions a day), whole prefixes are skipped by them.
"""
from lib.store.connection import placeholders
from lib.web.database import query_all, query_tuples
from lib.web.validation import total_pages

FLIP = {"ASC": "DESC", "DESC": "ASC"}


def page_ids(ids_sql, params, sort, total, per_page, offset, seek=None):
    """The ids of one page, in order: the first column of ``page_rows``."""
    return [row[0] for row in page_rows(ids_sql, params, sort, total, per_page, offset, seek)]


def page_rows(rows_sql, params, sort, total, per_page, offset, seek=None):
    """The rows of one page, in order, as tuples.

    ``rows_sql`` selects the rows, ids first, with ``{order}`` for the
    ORDER BY and ``LIMIT ? OFFSET ?`` after ``params``. ``sort`` is
    (column, id column, direction), from a whitelist; ``total`` is how many
    rows ``rows_sql`` finds, from a counter.

    ``seek(direction, offset, total)``, if given, returns a condition that
    skips the rows before the page's neighbourhood, its parameters, and the
    offset left after them; ``rows_sql`` has ``{seek}`` in its WHERE clause
    for it."""
    column, id_column, direction = sort
    count = min(per_page, total - offset)
    if count <= 0:
        return []
    from_end = offset > total - offset - count
    if from_end:
        direction, offset = FLIP[direction], total - offset - count
    order = f"{column} {direction}, {id_column} {direction}"
    condition, condition_params = "1", ()
    if seek is not None:
        condition, condition_params, offset = seek(direction, offset, total)
    rows = query_tuples(rows_sql.format(order=order, seek=condition), (*params, *condition_params, count, offset))
    if from_end:
        rows.reverse()
    return rows


def fetch_page(ids_sql, rows_sql, params, sort, total, per_page, offset, seek=None, row_params=()):
    """The rows of one page, in order: ``page_ids``, then ``rows_sql``
    selects the rows whose id is in ``({ids})``, given ``row_params`` first."""
    ids = page_ids(ids_sql, params, sort, total, per_page, offset, seek)
    if not ids:
        return []
    rows = {row["id"]: row for row in query_all(rows_sql.format(ids=placeholders(ids)), (*row_params, *ids))}
    return [rows[row_id] for row_id in ids if row_id in rows]


def paged_items(items, total, page, per_page):
    """A page as the lists of sessions and of learners answer it."""
    return {"items": items, "total": total, "page": page, "per_page": per_page,
            "total_pages": total_pages(total, per_page)}
