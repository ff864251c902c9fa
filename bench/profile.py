"""Flame graphs of the services under load, sampled by py-spy from outside the processes.

py-spy samples only the thread holding the GIL in each process, so each graph shows where a
service's Python CPU goes, master and workers together (time in C code that released the GIL,
such as waiting on a socket, is left out). Sampling costs CPU of its own, so a profiled run's
figures are not the ones to report. `python -m bench.profile flame.svg` lists the functions with
the most samples of their own.
"""

from __future__ import annotations

import argparse
import html
import re
import shutil
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

SAMPLES_PER_SECOND = 97  # prime, so sampling does not beat in step with anything periodic


def py_spy() -> str:
    found = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(found).exists():
        raise RuntimeError("py-spy is not installed; `make install` installs it from requirements-dev.txt")
    return found


@contextmanager
def flame_graphs(pids: Mapping[str, int], directory: Path, label: str, log_dir: Path) -> Iterator[list[Path]]:
    """Record one flame graph per named server while the block runs: `flame-<name>-<label>.svg`;
    py-spy's own messages go to `log_dir`."""
    directory.mkdir(parents=True, exist_ok=True)
    log_dir.mkdir(parents=True, exist_ok=True)
    recorders: list[subprocess.Popen[bytes]] = []
    outputs = [directory / f"flame-{name}-{label}.svg" for name in pids]
    try:
        for (name, pid), output in zip(pids.items(), outputs, strict=True):
            recorders.append(
                subprocess.Popen(  # noqa: S603 - our own command line, no shell
                    [
                        py_spy(),
                        "record",
                        "--pid",
                        str(pid),
                        "--subprocesses",
                        "--nonblocking",
                        # Only the thread holding the GIL: on a busy machine runnable threads
                        # waiting for a core would otherwise count as working.
                        "--gil",
                        "--rate",
                        str(SAMPLES_PER_SECOND),
                        "--format",
                        "flamegraph",
                        "--output",
                        str(output),
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=(log_dir / f"py-spy-{name}.log").open("wb"),
                )
            )
        yield outputs
    finally:
        for recorder in recorders:
            recorder.send_signal(signal.SIGINT)  # py-spy writes its graph when interrupted
        for recorder in recorders:
            recorder.wait(timeout=60)


_FRAME = re.compile(
    r'<g><title>(?P<title>[^<]*)</title><rect x="[^"]*" y="(?P<y>[\d.]+)"'
    r'[^>]*fg:x="(?P<x>\d+)" fg:w="(?P<w>\d+)"'
)
_NAME = re.compile(r"^(?P<name>.*) \((?P<where>[^()]*?)(?::\d+)?\) \([\d,]+ samples?, [\d.]+%\)$")


def self_samples(svg: str) -> Counter[str]:
    """Samples spent in each function itself (not in what it called), from a py-spy flame graph."""
    frames = []
    for match in _FRAME.finditer(svg):
        named = _NAME.match(html.unescape(match["title"]))
        if named:
            frames.append(
                (float(match["y"]), int(match["x"]), int(match["w"]), named["name"], named["where"])
            )
    by_row: dict[float, list[tuple[int, int]]] = {}
    for y, x, width, _, _ in frames:
        by_row.setdefault(y, []).append((x, width))
    rows = sorted(by_row)
    step = rows[1] - rows[0] if len(rows) > 1 else 0.0
    totals: Counter[str] = Counter()
    for y, x, width, name, where in frames:
        children = sum(w for cx, w in by_row.get(y + step, ()) if x <= cx < x + width)
        totals[f"{name} ({where})"] += width - children
    return totals


_WHERE = re.compile(r"\((?P<where>[^()]*)\)$")


def by_package(samples: Counter[str]) -> Counter[str]:
    """Self samples summed by the top-level package of each function's file (`botocore`,
    `marshmallow`…); the standard library's modules without a package count as `stdlib`, so a
    service and its peer app can be set side by side layer by layer."""
    packages: Counter[str] = Counter()
    for function, count in samples.items():
        where = match["where"] if (match := _WHERE.search(function)) else ""
        packages[where.split("/")[0] if "/" in where else "stdlib"] += count
    return packages


# A sample belongs to the first of these layers found anywhere on its call chain, so botocore's own
# urllib3, http and email frames count as botocore, and the service client's as requests.
LAYERS: tuple[tuple[str, frozenset[str]], ...] = (
    ("botocore", frozenset({"botocore", "boto3"})),
    ("app-to-app HTTP: requests", frozenset({"requests"})),
    ("app-to-app HTTP: urllib3", frozenset({"urllib3"})),
    ("logging + json", frozenset({"logging", "json"})),
    ("token check: jwt", frozenset({"jwt"})),
)
# Otherwise the innermost frame of one of these packages decides: flask-smorest wraps every view,
# so the view's own code runs under it and must not count as schemas.
OWNERS: tuple[tuple[str, frozenset[str]], ...] = (
    (
        "schemas: flask-smorest, webargs, marshmallow",
        frozenset({"flask_smorest", "webargs", "marshmallow", "apispec"}),
    ),
    ("service_kit", frozenset({"service_kit"})),
    ("own code", frozenset({"products_service", "cart_service", "orders_service", "dynamo_common", "bench"})),
    ("Flask + werkzeug", frozenset({"flask", "werkzeug"})),
    ("gunicorn", frozenset({"gunicorn"})),
)


def _package(where: str) -> str:
    return where.split("/")[0] if "/" in where else "stdlib"


def by_layer(svg: str) -> Counter[str]:
    """Self samples by the layer that made the call (`LAYERS`, then `OWNERS`, else `other`),
    read from each sample's whole call chain in a py-spy flame graph."""
    frames: list[tuple[float, int, int, str]] = []
    for match in _FRAME.finditer(svg):
        named = _NAME.match(html.unescape(match["title"]))
        if named:
            frames.append((float(match["y"]), int(match["x"]), int(match["w"]), _package(named["where"])))
    rows: dict[float, list[tuple[int, int, str]]] = {}
    for y, x, width, package in frames:
        rows.setdefault(y, []).append((x, width, package))
    ys = sorted(rows)
    step = ys[1] - ys[0] if len(ys) > 1 else 0.0
    layers: Counter[str] = Counter()
    for y, x, width, package in frames:
        children = sum(w for cx, w, _ in rows.get(y + step, ()) if x <= cx < x + width)
        chain = [package]  # innermost first
        above = y - step
        while above in rows:
            parent = next((p for px, pw, p in rows[above] if px <= x < px + pw), None)
            if parent is None:
                break
            chain.append(parent)
            above -= step
        packages = set(chain)
        layer = next((name for name, owned in LAYERS if owned & packages), None)
        if layer is None:
            layer = next(
                (name for p in chain for name, owned in OWNERS if p in owned),
                "other (stdlib, threads, sockets)",
            )
        layers[layer] += width - children
    return layers


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=self_samples.__doc__)
    parser.add_argument("graph", type=Path)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--by-package", action="store_true", help="sum the samples by top-level package")
    parser.add_argument(
        "--by-layer", action="store_true", help="sum the samples by the layer on their call chain"
    )
    args = parser.parse_args(argv)
    svg = args.graph.read_text()
    totals = self_samples(svg)
    if args.by_package:
        totals = by_package(totals)
    if args.by_layer:
        totals = by_layer(svg)
    everything = sum(totals.values()) or 1
    for function, samples in totals.most_common(args.top):
        print(f"{100 * samples / everything:5.1f}%  {function}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
