"""Timing the migration chain: every step, both ways, at each table size, on each backend.

Three paths make the same moves: ours (the shipped migrations through
Flask-Migrate), the floor (the same DDL through the raw DBAPI) and the
naive path (autogenerate's scripts for steps 3 and 4, which it times
alone). Before each timed move the tables it works on are filled with N
rows if they are not full already, untimed: our renames keep their rows,
so one fill serves all their laps, while the naive renames and the drops
need a refill. Every move is timed on each of `repeat` laps; the best counts.
"""
from contextlib import ExitStack
from pathlib import Path

from app import create_app
from benchmarks import BenchError
from benchmarks.databases import bench_database, server_version
from benchmarks.floor import Floor, render_ddl
from benchmarks.moves import ALL_MOVES, RENAMES, Migrations, walk
from benchmarks.naive import write_naive_migrations
from benchmarks.rows import ensure_rows
from helpers.paths import MIGRATIONS_DIR
from models import db
from testing.backends import backends_under_test
from testing.history import HistoryError, read_history

PATHS = ("ours", "naive", "floor")


def run_chain(sizes, repeat, folder, say):
    """{backend: {"server": version, "rename_fills": counts, "steps": [row per move and path]}}."""
    folders = {backend: Path(folder) / backend.name for backend in backends_under_test()}
    with ExitStack() as databases:
        # Every database is made before any timing, so a server that is down fails at once.
        urls = {backend: databases.enter_context(bench_database(backend, place))
                for backend, place in folders.items()}
        return {backend.name: time_backend(backend, url, sizes, repeat, folders[backend], say)
                for backend, url in urls.items()}


def time_backend(backend, url, sizes, repeat, folder, say):
    name = backend.name
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    try:
        paths = make_paths(app, folder)
        say(f"{name}: laps to warm up")  # first-use costs: imports, caches, connections
        time_path(app, paths[0], sizes[0], 1)
        timings, rename_fills = {}, {}
        for n in sizes:
            for path in paths:
                say(f"{name}: {path.name} path, N = {n:,}")
                timings[path.name, n], rename_fills[path.name, n] = time_path(app, path, n, repeat)
    finally:
        with app.app_context():
            db.engine.dispose()  # let the database be dropped
    return {
        "server": server_version(backend, url),
        "rename_fills": {path: {str(n): rename_fills[path, n] for n in sizes} for path in PATHS},
        "steps": summarize(timings, sizes),
    }


def make_paths(app, folder):
    """Ours, the floor and the naive path, for this app's database."""
    try:
        revisions = [step.revision for step in read_history(MIGRATIONS_DIR).lesson_steps()]
    except HistoryError as error:
        raise BenchError(f"the migrations are not the lesson's four steps: {error}") from None
    with app.app_context():
        config = app.extensions["migrate"].migrate.get_config()
        ours = Migrations("ours", revisions)
        floor = Floor(render_ddl(ours))
        directory, naive_revisions = write_naive_migrations(config, revisions, folder)
    naive = Migrations("naive", naive_revisions, laps=(RENAMES,), directory=directory)
    return ours, floor, naive


def time_path(app, path, n, repeat):
    """{move label: [Sample per lap]} with tables of `n` rows, and the fills the renames needed.

    The database starts and ends empty.
    """
    samples = {move.label: [] for lap in path.laps for move in lap.moves}
    rename_fills = 0
    position = 0
    with app.app_context():
        for lap in path.laps:
            position = walk(path, position, lap.start)
            for _ in range(repeat):
                for move in lap.moves:
                    filled = sum(ensure_rows(db.engine, table, n) for table in move.needs)
                    rename_fills += filled if lap is RENAMES else 0
                    samples[move.label].append(path.run(move))
        walk(path, position, 0)
    return samples, rename_fills


def summarize(timings, sizes):
    """One JSON-ready row per move and path: best time per N, growth, ratio to the floor."""
    rows = []
    smallest, largest = str(min(sizes)), str(max(sizes))
    for move in ALL_MOVES:
        for path in PATHS:
            if move.label not in timings[path, sizes[0]]:
                continue  # the naive path makes only the renames
            best = {str(n): min(s.seconds for s in timings[path, n][move.label]) for n in sizes}
            peak = max(s.peak_rss for n in sizes for s in timings[path, n][move.label])
            row = {
                "step": move.step,
                "direction": move.direction,
                "what": move.what,
                "path": path,
                "seconds": best,
                "growth": best[largest] / best[smallest],
                "floor_ratio": None,
                "peak_rss_mib": round(peak / 2**20, 1),
            }
            if path == "ours":
                floor = min(s.seconds for s in timings["floor", max(sizes)][move.label])
                row["floor_ratio"] = best[largest] / floor
            rows.append(row)
    return rows
