"""flask import and flask export: word files from and to the command line."""
import sys
from pathlib import Path

import click

from lib import db, word_files

SUFFIX_FORMATS = {".json": "json", ".csv": "csv", ".tsv": "tsv", ".txt": "tsv"}  # .txt: Anki's export


def file_format(path):
    found = SUFFIX_FORMATS.get(Path(path).suffix.lower())
    if found is None:
        raise click.ClickException(f"{path}: name it .json, .csv, .tsv or .txt (Anki) to say its format")
    return found


def init_app(app):
    @app.cli.command("import")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    @click.option("--group", help="put the words in this group (created if missing)")
    @click.option("--dry-run", is_flag=True, help="check and report, store nothing")
    @click.option("--on-duplicate", type=click.Choice(word_files.ON_DUPLICATE), default="skip",
                  show_default=True, help="what to do with a word already there (same kanji and kana)")
    def import_command(path, group, dry_run, on_duplicate):
        """Import the words of a JSON, CSV, TSV or Anki .txt file, all or none."""
        conn = db.connect(app.config["DATABASE"])
        try:
            rows = word_files.read_rows(Path(path).read_bytes(), file_format(path))
            with click.progressbar(length=len(rows), label="checking", file=sys.stderr) as bar:
                checked = word_files.check_rows(rows, group, progress=bar.update)
            with db.immediate(conn):
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

    @app.cli.command("export")
    @click.option("--group", required=True, help="the group to export, by name")
    @click.argument("path", type=click.Path(dir_okay=False, writable=True))
    def export_command(group, path):
        """Write a group's words to PATH (.json, .csv or .tsv) to import again."""
        file_format(path)
        conn = db.connect(app.config["DATABASE"], read_only=True)
        try:
            found = conn.execute("SELECT id FROM groups WHERE name = ?", (group,)).fetchone()
            if found is None:
                raise click.ClickException(f"there is no group named {group}")
            text = word_files.export(conn, found[0], file_format(path))
        finally:
            conn.close()
        Path(path).write_text(text, encoding="utf-8")
        click.echo(f"exported {group} to {path}")
