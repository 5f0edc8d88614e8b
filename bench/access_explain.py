"""How long "Zugriff prüfen" takes on the demo share. Prints one summary line per figure.

    python -m bench.access_explain [--files 20]

Builds the demo (`aktenlotse demo --no-serve`: share, config, demo directory) in a temp
dir, then asks `aktenlotse access explain USER PATH` for demo users and files: as the
command an admin types (a new process each time: interpreter start, config, directory
look-up, the checks read from the file system), and as the call the admin page makes in
the running portal (`services.access_explain.explain`). Target: the command within 1 s.
"""

from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from aktenlotse.cli.access import directory_for
from aktenlotse.core.config import load_config
from aktenlotse.services.access_explain import explain
from bench.latency import percentiles

USERS = ("mueller", "schmidt", "weber", "yilmaz", "krause", "gast")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=20, help="demo files asked about (each for two users)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="aktenlotse-bench-explain-"))
    try:
        cli = [sys.executable, "-m", "aktenlotse.cli.main"]
        subprocess.run([*cli, "demo", "--dir", str(folder), "--no-serve"], check=True, capture_output=True)
        config_path = folder / "aktenlotse.toml"
        rng = random.Random(5)
        files = sorted(p for p in (folder / "share").rglob("*") if p.is_file())
        questions = [(rng.choice(USERS), str(path)) for path in rng.sample(files, min(args.files, len(files)))]
        questions += [(rng.choice(USERS), path) for _, path in questions]
        command: list[float] = []
        for user, path in questions:
            start = time.perf_counter()
            subprocess.run(
                [*cli, "--config", str(config_path), "access", "explain", user, path], check=True, capture_output=True
            )
            command.append(time.perf_counter() - start)
        config = load_config(config_path)
        directory = directory_for(config)
        call: list[float] = []
        for user, path in questions:
            start = time.perf_counter()
            explain(config, directory, user, path)
            call.append((time.perf_counter() - start) * 1000)
        p50, p95 = percentiles(command)
        print(
            f"access_explain_command_s p50 {p50:.2f} p95 {p95:.2f} max {max(command):.2f}  "
            f"(target <= 1 s; {len(command)} questions, a new process each, demo share of {len(files)} files)"
        )
        p50, p95 = percentiles(call)
        print(f"access_explain_call_ms p50 {p50:.1f} p95 {p95:.1f}  (the admin page's call in the running portal)")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
