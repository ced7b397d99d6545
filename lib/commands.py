"""Every ``flask`` command: serve, seed, import, export, backup, check,
restore (from a backup or from the replica), reschedule, learners. Each says
a mistake in one line and exits non-zero."""
import os
import sqlite3
import sys
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from lib.core.settings import StartupError
from lib.core.scheduler import build_scheduler
from lib.startup import one_line_errors, prepare_database, refuse_damaged, replicated_command
from lib.store import backup, integrity, learners, migrations, replication, schedules, seed, word_files
from lib.store.connection import connect, immediate

SUFFIX_FORMATS = {".json": "json", ".csv": "csv", ".tsv": "tsv", ".txt": "tsv"}  # .txt: Anki's export


GUNICORN = Path(sys.executable).parent / "gunicorn"


def init_app(app):
    for command in (serve_command, seed_command, import_command, export_command, backup_command, check_command,
                    restore_command, reschedule_command, learners_command):
        app.cli.add_command(command)


def existing_database():
    database = current_app.config["DATABASE"]
    if not os.path.exists(database):
        raise click.ClickException(
            f"there is no database at {database} (is LANG_PORTAL_DATABASE right?)")
    return database


def file_format(path):
    found = SUFFIX_FORMATS.get(Path(path).suffix.lower())
    if found is None:
        raise click.ClickException(f"{path}: name it .json, .csv, .tsv or .txt (Anki) to say its format")
    return found


@click.command("seed")
@click.option("--if-empty", is_flag=True, help="only when the database holds no words yet")
@with_appcontext
def seed_command(if_empty):
    """Create and migrate the database if need be, and load the seed
    vocabulary and activities (idempotent)."""
    database = current_app.config["DATABASE"]
    with one_line_errors(database):
        refuse_damaged(database, current_app.config["BACKUP_DIR"])
        migrations.migrate(database, scheduler=current_app.extensions["scheduler"])
        conn = connect(database)
        try:
            with immediate(conn):
                if if_empty and not seed.is_empty(conn):
                    print("the database already holds words: nothing loaded")
                    return
                seed.load(conn, current_app.config["SEED_DIR"])
                words, groups, activities = conn.execute(
                    "SELECT (SELECT count(*) FROM words), (SELECT count(*) FROM groups),"
                    " (SELECT count(*) FROM study_activities)").fetchone()
        finally:
            conn.close()
    print(f"seed loaded: {words} words in {groups} groups, {activities} study activities")


@click.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--group", help="put the words in this group (created if missing)")
@click.option("--dry-run", is_flag=True, help="check and report, store nothing")
@click.option("--on-duplicate", type=click.Choice(word_files.ON_DUPLICATE), default="skip",
              show_default=True, help="what to do with a word already there (same kanji and kana)")
@with_appcontext
def import_command(path, group, dry_run, on_duplicate):
    """Import the words of a JSON, CSV, TSV or Anki .txt file, all or none."""
    # a missing database is not created here: a start would then seed it and ship it to the replica
    conn = connect(existing_database())
    try:
        rows = word_files.read_rows(Path(path).read_bytes(), file_format(path))
        with click.progressbar(length=len(rows), label="checking", file=sys.stderr) as bar:
            checked = word_files.check_rows(rows, group, progress=bar.update)
        with immediate(conn):
            result = word_files.store(conn, checked, on_duplicate, dry_run)
    except word_files.ImportProblems as problems:
        for found in problems.problems:
            click.echo(f"row {found['row']}, {found['field']}: {found['message']}", err=True)
        raise click.ClickException(f"nothing imported: {len(problems.problems)} problem(s)") from None
    finally:
        conn.close()
    verb = "would be" if dry_run else "were"
    click.echo(f"{result['created']} words {verb} created, {result['updated']} updated,"
               f" {result['skipped']} skipped")


@click.command("export")
@click.option("--group", required=True, help="the group to export, by name")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def export_command(group, path):
    """Write a group's words to PATH (.json, .csv or .tsv) to import again."""
    kind = file_format(path)
    conn = connect(existing_database(), read_only=True)
    try:
        found = conn.execute("SELECT id FROM groups WHERE name = ?", (group,)).fetchone()
        if found is None:
            raise click.ClickException(f"there is no group named {group}")
        text = word_files.export(conn, found[0], kind)
    finally:
        conn.close()
    Path(path).write_text(text, encoding="utf-8")
    click.echo(f"exported {group} to {path}")


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False))
@with_appcontext
def backup_command(path):
    """Write a consistent copy of the database to PATH (safe while serving)."""
    database = existing_database()
    with one_line_errors(database):
        try:
            saved = backup.backup(database, path)
        except (sqlite3.Error, OSError) as error:
            raise StartupError(f"could not write the backup {path}: {error}") from None
    print(f"backed up to {saved}")


@click.command("check")
@with_appcontext
def check_command():
    """Check the whole database file (integrity_check), recount every
    counter, and say where the replica stands."""
    database = existing_database()
    with one_line_errors(database):
        found = integrity.problems_in(database, full=True)
        conn = connect(database, read_only=True)
        try:
            counters = [] if found else integrity.counter_problems(conn)
        finally:
            conn.close()
    for problem in found:
        print(f"damaged: {problem}")
    for counter, rows in counters:
        print(f"counter {counter} differs from a recount in {len(rows)} rows, e.g. {rows[0][0]}")
    if found or counters:
        raise click.ClickException(f"{database} has problems; restore a backup with"
                                   " flask --app app restore BACKUP_FILE")
    print(f"{database}: the file is whole and every counter matches a recount")
    replica_problem = report_replication(database, current_app.config)
    if replica_problem:
        raise click.ClickException(replica_problem)


def report_replication(database, config):
    """Print whether replication is on and how far the replica is behind the
    database; return what is wrong with it, if anything."""
    url = config["REPLICA"]
    if url is None:
        print("replication: off (LANG_PORTAL_REPLICA is not set)")
        return None
    shown = replication.shown_url(url)
    print(f"replication: on, to {shown}, every {config['REPLICA_SYNC_INTERVAL']:g} s")
    try:
        position = replication.replica_position(url)
    except replication.ReplicationError as error:
        return f"the replica {shown} cannot be read: {error}"
    if position is None:
        print("replica: holds nothing yet")
        return f"the replica {shown} holds nothing: is the server running under Litestream (make run)?"
    print(f"replica: transaction {position.txid} of {iso(position.at)}")
    changed = replication.last_change(database)
    behind = (changed - position.at).total_seconds()
    if behind <= 1:  # Litestream dates its files to the second: a second's lag is no lag
        behind = 0.0
    waiting, since = replication.unshipped(database, position.txid)
    if waiting:
        waited = (datetime.now(timezone.utc) - since).total_seconds()
        print(f"replica: {waiting} transactions read from the WAL have waited {waited:.0f} s to be shipped")
        behind = max(behind, waited)
    if behind == 0:
        print(f"replica: up to date with the database (last changed {iso(changed)})")
        return None
    print(f"replica: {behind:.0f} s behind the database (last changed {iso(changed)})")
    if behind > config["REPLICA_SYNC_INTERVAL"] + 2:
        return (f"the replica {shown} is {behind:.0f} s behind the database: is the server running under"
                " Litestream (make run), and can Litestream write to the replica (see the server's log)?")
    return None


def iso(moment):
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@click.command("restore")
@click.argument("backup_file", required=False, type=click.Path(dir_okay=False))
@click.option("--from-replica", is_flag=True, help="restore from LANG_PORTAL_REPLICA instead of a backup file")
@click.option("--timestamp", metavar="TIME", help="with --from-replica: the state at this moment, e.g."
              " 2026-12-06T10:00:00Z, instead of the latest")
@with_appcontext
def restore_command(backup_file, from_replica, timestamp):
    """Replace the database with BACKUP_FILE, or with the replica's latest
    state (or its state at --timestamp), after backing the database up.
    The server must be stopped."""
    database = current_app.config["DATABASE"]
    if from_replica == (backup_file is not None):
        raise click.UsageError("name a BACKUP_FILE or say --from-replica, one of the two")
    if timestamp is not None and not from_replica:
        raise click.UsageError("--timestamp goes with --from-replica")
    moment = parse_moment(timestamp) if timestamp is not None else None
    url = current_app.config["REPLICA"]
    if from_replica and url is None:
        raise click.ClickException("LANG_PORTAL_REPLICA is not set: there is no replica to restore from")
    with one_line_errors(database):
        if from_replica:
            txid, saved = replication.restore_database(url, database, current_app.config["BACKUP_DIR"], moment,
                                                       scheduler=current_app.extensions["scheduler"])
        else:
            saved = backup.restore(backup_file, database, current_app.config["BACKUP_DIR"],
                                   scheduler=current_app.extensions["scheduler"])
            # the next start under Litestream ships the restored file whole
            replication.forget_local_state(database)
    if saved is not None:
        print(f"the database as it was is backed up to {saved}")
    if from_replica:
        state = f"as it was at {iso(moment)}" if moment is not None else "its latest state"
        print(f"restored {database} from {replication.shown_url(url)}, {state} (transaction {txid})")
    else:
        print(f"restored {database} from {backup_file}")


def parse_moment(text):
    """--timestamp as an aware datetime: a zone must be said, Z for UTC."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise click.BadParameter(f"{text!r} is not a moment with its zone, such as 2026-12-06T10:00:00Z",
                                 param_hint="--timestamp")
    return moment


@click.command("reschedule")
@with_appcontext
def reschedule_command():
    """Rebuild every word's schedule from the review history (idempotent)."""
    conn = connect(existing_database())
    try:
        with immediate(conn):
            total = conn.execute("SELECT sum(review_items_count) FROM learner_totals").fetchone()[0] or 0
            own = learners.retentions(conn)
            default = current_app.config["DESIRED_RETENTION"]
            with click.progressbar(length=total, label="replaying reviews") as bar:
                words = schedules.replay_all(conn, lambda learner_id: build_scheduler(own.get(learner_id, default)),
                                             progress=bar.update)
    finally:
        conn.close()
    click.echo(f"rescheduled {words} words from {total} reviews")


@click.command("serve", context_settings={"ignore_unknown_options": True})
@click.argument("gunicorn_options", nargs=-1, type=click.UNPROCESSED)
@with_appcontext
def serve_command(gunicorn_options):
    """Serve as make run does: gunicorn with lib/gunicorn_conf.py (options
    such as --workers 2 --bind 127.0.0.1:5000 passed on), and with
    LANG_PORTAL_REPLICA set, under Litestream, which replicates the database
    from before the first request to after the last. The process becomes
    the server."""
    command = [str(GUNICORN), "--config", "python:lib.gunicorn_conf", *gunicorn_options, "app:create_app()"]
    if current_app.config["REPLICA"]:
        # prepared here, before Litestream takes the file; gunicorn's app finds it ready
        prepare_database(current_app)
        command = replicated_command(current_app, command)
    os.execv(command[0], command)


@click.group("learners")
def learners_command():
    """Learners and their tokens: add, token, list, remove, export."""


@contextmanager
def learners_writing():
    """A write transaction on the database; what the learners' rules refuse is one line."""
    conn = connect(existing_database())
    try:
        with immediate(conn):
            yield conn
    except learners.Refused as error:
        raise click.ClickException(str(error)) from None
    finally:
        conn.close()


def learner_named(conn, name):
    found = learners.named(conn, name)
    if found is None:
        raise click.ClickException(f"there is no learner named {name} (flask --app app learners list)")
    return found


def checked_name(name):
    problem = learners.name_problem(name)
    if problem:
        raise click.ClickException(problem)
    return name.strip()


@learners_command.command("add")
@click.argument("name")
@click.option("--admin", is_flag=True, help="an admin: may manage learners, and their first token has every scope")
@with_appcontext
def learners_add_command(name, admin):
    """Add the learner NAME; print their first token (read and review, or
    every scope for an admin) alone on the last line."""
    name = checked_name(name)
    with learners_writing() as conn:
        learner_id, token = learners.create(conn, name, admin)
    click.echo(f"added {'the admin' if admin else 'the learner'} {name} (id {learner_id});"
               " their first token, shown this once:")
    click.echo(token)


@learners_command.command("token")
@click.argument("name")
@click.option("--scopes", default=",".join(learners.STUDY_SCOPES), show_default=True,
              help=f"comma separated, from {','.join(learners.SCOPES)}")
@click.option("--token-name", default="command line", show_default=True, help="what the token is called")
@with_appcontext
def learners_token_command(name, scopes, token_name):
    """Make a new token for the learner NAME; print it alone on the last line."""
    scopes = [scope.strip() for scope in scopes.split(",") if scope.strip()]
    problem = learners.scopes_problem(scopes)
    if problem:
        raise click.ClickException(f"--{problem}")
    token_name = checked_name(token_name)
    with learners_writing() as conn:
        learner = learner_named(conn, name)
        if not set(scopes) <= set(learners.allowed_scopes(learner["admin"])):
            raise click.ClickException(f"{name} is not an admin: their tokens cannot have the admin scope")
        made, token = learners.create_token(conn, learner["id"], token_name, scopes)
    click.echo(f"a new token for {name} with {', '.join(made['scopes'])}, shown this once:")
    click.echo(token)


@learners_command.command("list")
@with_appcontext
def learners_list_command():
    """Every learner: id, name, admin or learner, and when they were added."""
    conn = connect(existing_database(), read_only=True)
    try:
        items, _ = learners.learners_page(conn, -1, 0)  # LIMIT -1: every one
    finally:
        conn.close()
    for item in items:
        click.echo(f"{item['id']}\t{item['name']}\t{'admin' if item['admin'] else 'learner'}\t{item['created_at']}")


@learners_command.command("remove")
@click.argument("name")
@click.option("--yes", is_flag=True, help="yes, delete their whole record")
@with_appcontext
def learners_remove_command(name, yes):
    """Remove the learner NAME with their whole record: sessions, reviews,
    schedules and tokens."""
    with learners_writing() as conn:
        learner = learner_named(conn, name)
        if not yes:
            raise click.ClickException(f"removing {name} deletes their whole record: add --yes to remove them")
        sessions, reviews = learners.remove(conn, learner["id"])
    click.echo(f"removed {name} with {sessions} study sessions and {reviews} reviews")


@learners_command.command("export")
@click.argument("name")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def learners_export_command(name, path):
    """Write everything of the learner NAME's to PATH as one JSON document,
    as GET /api/me/export answers it."""
    database = existing_database()
    conn = connect(database, read_only=True)
    try:
        learner_id = learner_named(conn, name)["id"]
    finally:
        conn.close()
    # Written beside it, then put in its place: a failed export leaves no half a file.
    partial = f"{path}.partial"
    try:
        with open(partial, "w", encoding="utf-8") as out:
            for piece in learners.exported(database, learner_id):
                out.write(piece)
        os.replace(partial, path)
    except OSError as error:
        raise click.ClickException(f"could not write {path}: {error.strerror or error}") from None
    except LookupError:
        raise click.ClickException(f"{name} was removed while being exported") from None
    finally:
        if os.path.exists(partial):
            os.remove(partial)
    click.echo(f"exported {name} to {path}")
