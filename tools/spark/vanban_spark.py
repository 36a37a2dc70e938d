"""Convert an archive on a Spark cluster: the manifest's paths, split into partitions, are
piped through the `vanban` binary on the executors; the JSON lines come back as text files.

    spark-submit tools/spark/vanban_spark.py --manifest manifest.txt --output out/ \
        --vanban /opt/vanban/bin/vanban --partitions 400

The manifest has one source path per line (blank lines and lines starting with # are
skipped). Every executor must see the same paths (a shared file system) and have the
`vanban` binary at `--vanban`. Relative paths are resolved against `--base` (by default
the directory the job was started in), exactly as a single `vanban extract` run there
would: the records, `source.path` included, equal that run's.

Each partition runs `vanban extract --jsonl` on its paths: with `--manifest FILE` when the
binary offers it, else with the paths as arguments, in chunks short enough for any command
line. An exit code of 0 or 1 (some documents failed: their error records are in the
output) is a result; anything else fails the task, which Spark retries. The output folder
holds `part-*` files of JSON lines (one record per document, in manifest order within a
partition) and `_SUCCESS` once the whole job committed; it must not exist beforehand.
"""

import argparse
import os
import subprocess
import sys
import tempfile

# Paths per `vanban extract` call when they go on the command line: far below any
# ARG_MAX, and enough to keep every thread of the binary busy.
ARGS_CHUNK = 200


def read_manifest(path):
    with open(path, encoding="utf-8") as f:
        lines = (line.rstrip("\r\n") for line in f)
        return [line for line in lines if line.strip() and not line.startswith("#")]


def offers_manifest(vanban):
    """Whether this vanban's `extract` takes `--manifest FILE`."""
    help_text = subprocess.run(
        [vanban, "extract", "--help"], capture_output=True, text=True, check=False
    ).stdout
    return "--manifest" in help_text


def run_vanban(vanban, args, base):
    done = subprocess.run(
        [vanban, "extract", "--jsonl", *args],
        cwd=base,
        capture_output=True,
        check=False,
    )
    if done.returncode not in (0, 1):
        stderr = done.stderr.decode("utf-8", "replace").strip()
        raise RuntimeError(f"vanban extract exited {done.returncode}: {stderr}")
    return done.stdout.decode("utf-8").splitlines()


def convert(paths, vanban, base, use_manifest):
    """The JSON lines of one partition's paths."""
    paths = list(paths)
    if not paths:
        return []
    if use_manifest:
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".txt") as manifest:
            manifest.write("".join(p + "\n" for p in paths))
            manifest.flush()
            return run_vanban(vanban, ["--manifest", manifest.name], base)
    lines = []
    for start in range(0, len(paths), ARGS_CHUNK):
        # `--` so that a path starting with '-' is not read as an option.
        lines += run_vanban(vanban, ["--", *paths[start : start + ARGS_CHUNK]], base)
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--manifest", required=True, help="one source path per line")
    parser.add_argument("--output", required=True, help="output folder (must not exist)")
    parser.add_argument("--vanban", default="vanban", help="the vanban binary on executors")
    parser.add_argument("--partitions", type=int, default=0, help="default: Spark's")
    parser.add_argument("--base", default=os.getcwd(), help="where relative paths start")
    parser.add_argument("--master", help="e.g. local[2]; default: spark-submit's")
    parser.add_argument(
        "--pass-paths",
        choices=["auto", "manifest", "args"],
        default="auto",
        help="how paths reach vanban: --manifest FILE, arguments, or whichever it offers",
    )
    options = parser.parse_args(argv)

    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName("vanban")
    if options.master:
        builder = builder.master(options.master)
    spark = builder.getOrCreate()
    try:
        paths = read_manifest(options.manifest)
        if not paths:
            print(f"vanban_spark: {options.manifest}: no paths", file=sys.stderr)
            return 2
        use_manifest = options.pass_paths == "manifest" or (
            options.pass_paths == "auto" and offers_manifest(options.vanban)
        )
        vanban, base = options.vanban, os.path.abspath(options.base)
        context = spark.sparkContext
        partitions = options.partitions or context.defaultParallelism
        # parallelize keeps manifest order: partition i holds a contiguous slice.
        records = context.parallelize(paths, min(partitions, len(paths))).mapPartitions(
            lambda part: convert(part, vanban, base, use_manifest)
        )
        records.saveAsTextFile(options.output)
    finally:
        spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
