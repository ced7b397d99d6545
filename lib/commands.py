"""Every ``flask`` command: seed, import, export, backup, check, restore,
reschedule, learners. Each says a mistake in one line and exits non-zero."""
import os
import sqlite3
import sys
from contextlib import contextmanager
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from lib.core.settings import StartupError
from lib.startup import one_line_errors, refuse_damaged
from lib.core.scheduler import build_scheduler
from lib.store import backup, integrity, learners, migrations, schedules, seed, word_files
from lib.store.connection import connect, immediate

SUFFIX_FORMATS = {".json": "json", ".csv": "csv", ".tsv": "tsv", ".txt": "tsv"}  # .txt: Anki's export


def init_app(app):
    for command in (seed_command, import_command, export_command, backup_command, check_command,
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
    conn = connect(current_app.config["DATABASE"])
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
    file_format(path)
    conn = connect(current_app.config["DATABASE"], read_only=True)
    try:
        found = conn.execute("SELECT id FROM groups WHERE name = ?", (group,)).fetchone()
        if found is None:
            raise click.ClickException(f"there is no group named {group}")
        text = word_files.export(conn, found[0], file_format(path))
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
    """Check the whole database file (integrity_check) and recount every counter."""
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


@click.command("restore")
@click.argument("backup_file", type=click.Path(dir_okay=False))
@with_appcontext
def restore_command(backup_file):
    """Replace the database with BACKUP_FILE, after backing the database up.
    The server must be stopped."""
    database = current_app.config["DATABASE"]
    with one_line_errors(database):
        saved = backup.restore(backup_file, database, current_app.config["BACKUP_DIR"],
                               scheduler=current_app.extensions["scheduler"])
    if saved is not None:
        print(f"the database as it was is backed up to {saved}")
    print(f"restored {database} from {backup_file}")


@click.command("reschedule")
@with_appcontext
def reschedule_command():
    """Rebuild every word's schedule from the review history (idempotent)."""
    conn = connect(current_app.config["DATABASE"])
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
