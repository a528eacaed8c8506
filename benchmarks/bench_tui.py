"""TUI speed: time to first screen and per-keystroke latency, measured with Textual's pilot.

    .venv/bin/python benchmarks/bench_tui.py [--runs 5]
        [--paths 12000] [--refs 150000] [--files 200000]
    .venv/bin/python benchmarks/bench_tui.py --floor   # Textual's own costs, for scale

Two inputs, both built before the clock starts (loading is the CLI's job, not the app's):

- a 12,000-path closure from ``gen_closure.py`` (fixed seed), loaded by the ``nix-path-info``
  loader and analysed with ``closurescope.analysis.analyze``;
- a 200,000-file synthetic image built in memory with FileTreeBuilder: 5 layers, later layers
  overwrite and delete files of earlier ones, a tenth of the files share content.

"First screen" is ``make_app`` until the first frame of the first screen is painted (the
first frame: later ones, repaints by work started after it, do not count). A
keystroke is from the key event reaching the app until the first frame painted after every
widget handled it (see ``keystroke``); the pilot's own idle-waiting is not counted, the
headless driver skips only the final write to the terminal.
``--runs N`` drives N fresh apps per input and pools every step's presses (the first show
of a view happens once per app, so this is how it gets more than one sample). The keys
start once the app's background work is done (files index, threads, screens composed
ahead); the startup window is measured apart, on both inputs: ``↓`` pressed 0-800 ms
(the image: 0-3200 ms) after the first frame of a fresh app, while that work runs, and
0-150 ms after the image's files index is ready (``--startup`` measures only that). A frame
Textual holds back (inside a batch update) is not painted and does not count.
Targets: first screen < 1 s, every keystroke < 50 ms. Besides wall time, the CPU time the
process spent per keystroke is printed: on a shared, loaded machine it is the steadier number.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from closurescope.analysis import analyze  # noqa: E402
from closurescope.analysis.result import AnalysisResult  # noqa: E402
from closurescope.analysis.sizes import compute_sizes, total_size  # noqa: E402
from closurescope.model import (  # noqa: E402
    Closure,
    Component,
    ComponentKind,
    DepGraphBuilder,
    FileEntry,
    FileKind,
    FileTreeBuilder,
    Layer,
    NodeId,
    Source,
)
from closurescope.tui import make_app  # noqa: E402

if TYPE_CHECKING:
    from textual.app import App

SIZE = (120, 40)
Step = tuple[str, Sequence[str]]
"""A label and the keys pressed, each timed on its own."""


def closure_12k(paths: int, refs: int) -> Closure:
    """The generated closure, written as JSON and read back by the real loader."""
    from gen_closure import generate

    from closurescope.loaders import load

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "closure.json"
        path.write_text(json.dumps(generate(paths, refs)))
        return load(str(path))


def image_200k(files: int, seed: int = 7) -> Closure:
    """An in-memory image: 5 layers over ~``files`` regular files in a realistic tree."""
    rng = random.Random(seed)
    top = ["usr/lib", "usr/share", "usr/bin", "opt/app", "var/lib", "etc", "srv/data"]
    layers: list[list[FileEntry]] = [[] for _ in range(5)]
    all_paths: list[str] = []
    for i in range(files):
        base = rng.choice(top)
        depth = rng.randint(1, 4)
        parts = [f"d{rng.randint(0, 40)}" for _ in range(depth)]
        path = "/".join([base, *parts, f"f{i}.bin"])
        size = int(rng.lognormvariate(8, 2.5))
        digest = f"{rng.randint(0, files // 10):x}" if rng.random() < 0.1 else f"u{i:x}"
        layer = min(4, i * 5 // files)
        layers[layer].append(
            FileEntry(path=path, kind=FileKind.FILE, size=size, digest=digest, layer=layer)
        )
        all_paths.append(path)
    for layer in (3, 4):  # overwrites and deletions of earlier files
        for path in rng.sample(all_paths[: files // 2], files // 50):
            layers[layer].append(
                FileEntry(path=path, kind=FileKind.FILE, size=100, digest="ow", layer=layer)
            )
        for path in rng.sample(all_paths[: files // 2], files // 100):
            layers[layer].append(FileEntry(path=path, kind=FileKind.WHITEOUT, layer=layer))
    tree = FileTreeBuilder()
    built: list[Layer] = []
    for index, entries in enumerate(layers):
        added: list[str] = []
        modified: list[str] = []
        removed: list[str] = []
        for e in entries:
            if e.kind is FileKind.WHITEOUT:
                if e.path in tree:
                    tree.remove(e.path)
                    removed.append(e.path)
                continue
            (modified if e.path in tree else added).append(e.path)
            tree.add(e)
        built.append(
            Layer(
                index=index,
                created_by=f"RUN step {index}",
                content_size=sum(e.size for e in entries),
                entries=tuple(entries),
                added=tuple(added),
                modified=tuple(modified),
                removed=tuple(removed),
            )
        )
    graph = DepGraphBuilder()
    for made in built:
        graph.add(
            Component(
                id=NodeId(f"layer:{made.index}"),
                kind=ComponentKind.LAYER,
                name=f"layer {made.index}",
                self_size=made.content_size,
            )
        )
        if made.index:
            graph.add_reference(NodeId(f"layer:{made.index}"), NodeId(f"layer:{made.index - 1}"))
    return Closure(
        source=Source(path="synthetic-200k", format="test"),
        graph=graph.build(),
        files=tree.build(),
        layers=tuple(built),
    )


KEY_CHARS = {"slash": "/", "question_mark": "?", "tab": "\t", "enter": "\r", "escape": "\x1b"}


def _awake(app: Any) -> list[Any]:
    """The app, its screen, every displayed widget, and any hidden one with a message queued.

    A hidden widget (a view not shown, a closed dialog) with nothing queued has nothing to
    do for the key; leaving it out keeps the measure itself from growing with the number of
    widgets the screen holds (Textual's pilot posts a callback to every one of them). The
    notifications are left out too: a toast fades in and out on its own timers, a message
    every frame for a second or so after an ``s`` or a ``y``, whatever key comes next.
    """
    from textual.widgets._toast import ToastRack

    nodes = [app]
    stack = [app.screen]
    while stack:
        node = stack.pop()
        if isinstance(node, ToastRack):
            continue
        if node.display:
            nodes.append(node)
            stack.extend(node._nodes)
        else:
            nodes.extend(
                n for n in node.walk_children(with_self=True) if not n._message_queue.empty()
            )
    return nodes


async def _drain(app: Any, nodes: list[Any]) -> None:
    """Wait until each of ``nodes`` handled every message it had when this was called."""
    left = 0
    done = asyncio.Event()

    def one_done() -> None:
        nonlocal left
        left -= 1
        if left == 0:
            done.set()

    for node in nodes:
        if node.call_later(one_done):
            left += 1
    if left:
        await asyncio.wait_for(done.wait(), 30)


async def keystroke(
    app: Any, pilot: Any, key: str, painted: list[float], cpu: list[float] | None = None
) -> float:
    """Seconds from a key reaching the app to the first frame painted after it was handled.

    The key goes to the app as the terminal driver would send it; "handled" is when the
    app, the screen and every widget on it have no message left (see ``_awake`` for the
    widgets left out: hidden ones with nothing queued, the notifications); Textual
    then paints the changed regions on its next frame (at most 60 per second), which is
    when we stop. When nothing is left to paint at "handled", the last frame painted since
    the key (while the last messages were being checked) is the answer; a key that changes
    nothing on screen stops at "handled".
    """
    from textual import events

    char = key if len(key) == 1 else KEY_CHARS.get(key)
    painted.clear()
    c0 = time.process_time()
    t0 = time.perf_counter()
    app._driver.send_message(events.Key(key, char))
    # The app forwards a key to the focused widget, which may post messages to its screen:
    # wait round after round until every queue of the app and its current screen is empty.
    for _ in range(20):
        await _drain(app, _awake(app))
        if all(node._message_queue.empty() for node in _awake(app)):
            break
    handled = time.perf_counter()
    if not _repaint_pending(app.screen):
        # The last frame, if any, painted while the last messages were being checked,
        # already shows everything: it is the answer (else the key changed nothing).
        if cpu is not None:
            cpu.append(time.process_time() - c0)
        return max((t for t in painted if t >= t0), default=handled) - t0
    deadline = handled + 0.25
    while time.perf_counter() < deadline and not any(t >= handled for t in painted):
        await asyncio.sleep(0.001)
    after = [t for t in painted if t >= handled]
    if cpu is not None:
        cpu.append(time.process_time() - c0)
    return (after[0] if after else handled) - t0


def _repaint_pending(screen: Any) -> bool:
    """True when the screen has a layout, a scroll or a region still to paint."""
    return bool(
        screen._layout_required
        or screen._scroll_required
        or screen._repaint_required
        or screen._dirty_widgets
        or screen._compositor._dirty_regions
    )


async def settle(app: Any, pilot: Any) -> None:
    """Until the app's background work is done: the files index of a big tree, the threads
    (the browser's lookups included), and (where the app does it) every screen composed
    ahead of its first show."""
    if app.closure.files is not None:
        while app.files_index is None:
            await asyncio.sleep(0.01)
    ahead = getattr(app, "composed_ahead", None)
    for _ in range(3):  # the index, once ready, queues the files view to compose ahead
        await app.workers.wait_for_complete()
        if ahead is not None:
            await asyncio.wait_for(ahead.wait(), 30)
        await pilot._wait_for_screen()
    # The browser's lookups thread starts after its first frame, which may come after all
    # of the above (the screens are composed before it): wait for that thread too.
    lookups = getattr(app.get_screen("browse"), "lookups_ready", None)
    while lookups is not None and not lookups.is_set():
        await asyncio.sleep(0.01)
    await app.workers.wait_for_complete()


def record_frames(app: App[Any]) -> list[float]:
    """The times (``perf_counter``) of the frames ``app`` shows, appended as they are painted
    (a frame Textual holds back in a batch update is not one)."""
    painted: list[float] = []
    display = app._display

    def timed_display(screen: Any, renderable: Any) -> None:
        if renderable is not None and not app._batch_count:
            painted.append(time.perf_counter())
        display(screen, renderable)

    app._display = timed_display  # type: ignore[method-assign]
    return painted


async def measure(
    closure: Closure, result: AnalysisResult, steps: Sequence[Step]
) -> tuple[float, list[tuple[str, list[float], list[float]]]]:
    """Seconds to the first painted screen, then per-step keystroke latencies in seconds.

    The keys start once the app's background work is done (``settle``); how long after
    ``make_app`` that was is printed. ``startup_window`` measures keys pressed before.
    """
    gc.collect()  # the garbage of the runs before is not this app's (its start collects)
    start = time.perf_counter()
    app = make_app(closure, result)
    painted = record_frames(app)
    out: list[tuple[str, list[float], list[float]]] = []
    async with app.run_test(size=SIZE) as pilot:
        while not painted:
            await asyncio.sleep(0.001)
        first = painted[0] - start
        await settle(app, pilot)
        ready = time.perf_counter() - start
        print(f"  background work done {ready * 1000:.0f} ms after make_app")
        for label, keys in steps:
            cpu: list[float] = []
            times = [await keystroke(app, pilot, key, painted, cpu) for key in keys]
            out.append((label, times, cpu))
    return first, out


async def startup_key(
    closure: Closure, result: AnalysisResult, delay: float, key: str, *, from_index: bool = False
) -> tuple[float, float]:
    """One ``key`` pressed ``delay`` seconds after the first frame (``from_index``: after the
    files index of a big tree is ready), background work or not; seconds it took, and
    seconds from ``make_app`` to that first frame."""
    start = time.perf_counter()
    app = make_app(closure, result)
    painted = record_frames(app)
    async with app.run_test(size=SIZE) as pilot:
        while not painted:
            await asyncio.sleep(0.001)
        shown = painted[0]
        since = shown
        if from_index:
            while app.files_index is None:
                await asyncio.sleep(0.001)
            since = time.perf_counter()
        while time.perf_counter() - since < delay:
            await asyncio.sleep(0.001)
        return await keystroke(app, pilot, key, painted), shown - start


STARTUP_DELAYS = (0.0, 0.05, 0.1, 0.2, 0.4, 0.8)
IMAGE_STARTUP_DELAYS = (*STARTUP_DELAYS, 1.6, 3.2)
"""The image's files index is built in a thread for ~3 s after the first frame."""
INDEX_DELAYS = (0.0, 0.03, 0.05, 0.06, 0.08, 0.1, 0.15)
"""After the files index is ready (the files view used to be composed 50 ms after)."""


def startup_window(
    closure: Closure,
    result: AnalysisResult,
    key: str,
    runs: int,
    delays: Sequence[float] = STARTUP_DELAYS,
    *,
    from_index: bool = False,
) -> list[float]:
    """Print ``key``'s latency when pressed ``delays`` after the first frame (``from_index``:
    after the files index is ready) of fresh apps; return every press's wall time."""
    after = "the files index is ready" if from_index else "the first screen"
    print(f"  {key!r} pressed right after {after}, {runs} app(s) per delay:")
    every: list[float] = []
    firsts: list[float] = []
    for delay in delays:
        ms = []
        for _ in range(runs):
            gc.collect()  # the garbage of the apps before, outside the clock (as ``measure``)
            pressed = startup_key(closure, result, delay, key, from_index=from_index)
            took, first = asyncio.run(pressed)
            ms.append(took * 1000)
            firsts.append(first * 1000)
        every += [m / 1000 for m in ms]
        print(
            f"    {delay * 1000:4.0f} ms after: median {statistics.median(ms):5.1f} ms,"
            f" max {max(ms):5.1f} ms"
        )
    worst = max(every) * 1000
    print(f"  worst: {worst:.1f} ms ({'PASS' if worst < 50 else 'FAIL'} < 50 ms)")
    if not from_index:
        print(
            f"  first screen of these apps: median {statistics.median(firsts):.0f} ms,"
            f" max {max(firsts):.0f} ms"
        )
    return every


def report(
    title: str, first: float, rows: list[tuple[str, list[float], list[float]]]
) -> list[float]:
    """Print one table; return every keystroke's wall time."""
    print(f"\n{title}")
    print(f"  first screen: {first * 1000:.0f} ms ({'PASS' if first < 1 else 'FAIL'} < 1 s)")
    print(
        f"  {'keys':<46} {'n':>3}  {'wall median':>11} {'wall max':>9}"
        f" {'cpu median':>11} {'cpu max':>8}"
    )
    every: list[float] = []
    for label, times, cpu in rows:
        every.extend(times)
        ms = [t * 1000 for t in times]
        cpu_ms = [t * 1000 for t in cpu]
        print(
            f"  {label:<46} {len(ms):>3}  {statistics.median(ms):8.1f} ms {max(ms):6.1f} ms"
            f" {statistics.median(cpu_ms):8.1f} ms {max(cpu_ms):5.1f} ms"
        )
    worst = max(every) * 1000
    print(f"  worst keystroke: {worst:.1f} ms ({'PASS' if worst < 50 else 'FAIL'} < 50 ms)")
    return every


async def textual_floor(footer: str) -> tuple[list[float], list[float]]:
    """What Textual itself costs here: switching between two screens holding a Header, a
    Static and ``footer`` (``Footer``, ``KeyBar`` or ``none``); then, on a copy of the
    browser's layout with trivial rows, replacing the rows of all three columns (what
    ``→``, ``←`` and ``r`` do). Returns both lists of wall times."""
    from textual.app import App, ComposeResult
    from textual.binding import BindingType
    from textual.containers import Horizontal
    from textual.screen import Screen
    from textual.widgets import Footer, Header, Static

    from closurescope.tui.widgets.details import Details
    from closurescope.tui.widgets.key_bar import KeyBar
    from closurescope.tui.widgets.path_list import PathList, Row, RowList

    class Trivial(Screen[None]):
        def compose(self) -> ComposeResult:
            yield Header()
            yield Static(f"screen {self.name}")
            if footer == "Footer":
                yield Footer()
            elif footer == "KeyBar":
                yield KeyBar()

    class Columns(Screen[None]):
        BINDINGS: ClassVar[list[BindingType]] = [("r", "swap", "Swap")]
        n = 0

        def compose(self) -> ComposeResult:
            yield Header()
            with Horizontal(id="columns"):
                yield PathList(cell_widths=(10,), id="referrers")
                yield PathList(cell_widths=(10, 10), bar_width=6, id="current")
                yield PathList(cell_widths=(10,), id="references")
            yield Details(id="details")
            yield KeyBar()

        def action_swap(self) -> None:
            self.n += 1
            for i, name in enumerate(("referrers", "current", "references")):
                rows = [
                    Row(f"{self.n}{name}{k}", f"package-{k}-1.2.3", ("12.3 MiB",), 0.3)
                    for k in range(50 + 7 * ((self.n + i) % 5))
                ]
                self.query_one(f"#{name}", PathList).set_rows(RowList(rows))
            self.query_one(Details).show(f"node {self.n}", [("path", "/nix/store/x")])

    class Floor(App[None]):
        CSS_PATH = str(HERE.parent / "closurescope" / "tui" / "closurescope.tcss")
        BINDINGS: ClassVar[list[BindingType]] = [
            ("1", "show('a')", "A"),
            ("2", "show('b')", "B"),
            ("3", "show('c')", "C"),
        ]

        def on_mount(self) -> None:
            self.install_screen(Trivial(name="a"), "a")
            self.install_screen(Trivial(name="b"), "b")
            self.install_screen(Columns(name="c"), "c")
            self.push_screen("a")

        def action_show(self, name: str) -> None:
            self.switch_screen(name)

    app = Floor()
    painted = record_frames(app)
    async with app.run_test(size=SIZE) as pilot:
        while not painted:
            await asyncio.sleep(0.001)
        await pilot._wait_for_screen()
        switch = [await keystroke(app, pilot, key, painted) for key in ["2", "1"] * 6]
        await keystroke(app, pilot, "3", painted)
        swap = [await keystroke(app, pilot, "r", painted) for _ in range(12)]
    return switch, swap


def report_floor() -> None:
    """Print Textual's own costs on this machine (see ``textual_floor``)."""
    print("\nTextual's floor (same harness, no closurescope data)")
    for footer in ("Footer", "KeyBar", "none"):
        switch, swap = asyncio.run(textual_floor(footer))
        ms = sorted(t * 1000 for t in switch[1:])  # the first show composes the screen
        print(f"  switch two trivial screens, {footer:<6}: median {statistics.median(ms):5.1f} ms")
    ms = [t * 1000 for t in swap]
    print(
        f"  replace the rows of three columns (browser layout, trivial rows): "
        f"median {statistics.median(ms):.1f} ms, max {max(ms):.1f} ms"
    )


def closure_steps() -> list[Step]:
    """The browser's keys on the 12,000-path closure, in the order they are pressed."""
    return [
        ("x, an unbound key (Textual's own floor)", ["x"] * 5),
        ("down (roots)", ["down"] * 3),
        ("right into the root (system, ~all paths)", ["right"]),
        ("down in a big level", ["down"] * 20),
        ("pagedown / end / home", ["pagedown", "end", "home"]),
        ("right / left (deeper, back)", ["right", "left"] * 3),
        ("s cycle sort x4 (re-sorts every level)", ["s"] * 4),
        ("/ opens the search", ["slash"]),
        ("typing a query (fuzzy over all names)", list("glibc")),
        ("Enter: jump to the match", ["enter"]),
        ("w why-depends (cap 1000)", ["w"]),
        ("Esc closes why-depends", ["escape"]),
        ("? help", ["question_mark"]),
        ("Esc closes the help", ["escape"]),
        ("/ then Esc (search cancelled)", ["slash", "escape"]),
        ("r back to roots", ["r"]),
        ("3 findings view (first show)", ["3"]),
        ("1 back to the browser", ["1"]),
        ("3 / 1 again (views already shown)", ["3", "1"] * 2),
    ]


def image_steps() -> list[Step]:
    """The files view's keys on the 200,000-file image."""
    return [
        ("x, an unbound key (Textual's own floor)", ["x"] * 5),
        ("2 files view (first show)", ["2"]),
        ("down", ["down"] * 10),
        ("right / left (open dir, back)", ["right", "left"] * 3),
        ("g largest files (sort all files once)", ["g"]),
        ("down / end in 200k-row list", ["down", "down", "end", "home"]),
        ("g back to the tree", ["g"]),
        ("s sort by name / size", ["s", "s"]),
        ("tab to layers, down (a layer's changes)", ["tab", "down", "down", "end"]),
        ("1 browser, 2 files", ["1", "2"]),
        ("3 findings (first show)", ["3"]),
    ]


def pooled(
    runs: list[tuple[float, list[tuple[str, list[float], list[float]]]]],
) -> tuple[float, list[tuple[str, list[float], list[float]]]]:
    """Several runs of the same steps as one table: the median first screen, every key."""
    first = statistics.median(r[0] for r in runs)
    rows = [
        (label, [t for r in runs for t in r[1][i][1]], [c for r in runs for c in r[1][i][2]])
        for i, (label, _, _) in enumerate(runs[0][1])
    ]
    return first, rows


def main(argv: list[str] | None = None) -> int:
    """Build both inputs, drive the app, print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paths", type=int, default=12000)
    parser.add_argument("--refs", type=int, default=150000)
    parser.add_argument("--files", type=int, default=200000)
    parser.add_argument(
        "--runs", type=int, default=1, help="run the app this many times per input (pooled)"
    )
    parser.add_argument(
        "--floor", action="store_true", help="only measure what Textual itself costs here"
    )
    parser.add_argument(
        "--startup", action="store_true", help="only the startup windows of both inputs"
    )
    args = parser.parse_args(argv)
    if args.floor:
        report_floor()
        return 0

    t0 = time.perf_counter()
    closure = closure_12k(args.paths, args.refs)
    result = analyze(closure)
    print(
        f"closure: {len(closure.graph)} paths, {closure.graph.edge_count()} references "
        f"(load + analyse {time.perf_counter() - t0:.1f} s, not timed below)"
    )
    first = 0.0
    every: list[float] = []
    if not args.startup:
        runs = [asyncio.run(measure(closure, result, closure_steps())) for _ in range(args.runs)]
        first, rows = pooled(runs)
        title = f"{len(closure.graph)}-path closure (browser), {args.runs} run(s)"
        every += report(title, first, rows)
        del runs
    every += startup_window(closure, result, "down", max(3, args.runs))
    del closure, result

    t0 = time.perf_counter()
    image = image_200k(args.files)
    assert image.files is not None
    image_result = AnalysisResult(
        sizes=compute_sizes(image.graph), total_size=total_size(image.graph)
    )
    print(
        f"\nimage: {len(image.files)} entries, {len(image.layers)} layers "
        f"(built in {time.perf_counter() - t0:.1f} s, not timed below)"
    )
    first2 = 0.0
    if not args.startup:
        runs = [asyncio.run(measure(image, image_result, image_steps())) for _ in range(args.runs)]
        first2, rows2 = pooled(runs)
        every += report(
            f"{len(image.files)}-entry image (files view), {args.runs} run(s)", first2, rows2
        )
    every += startup_window(image, image_result, "down", max(3, args.runs), IMAGE_STARTUP_DELAYS)
    every += startup_window(
        image, image_result, "down", max(3, args.runs), INDEX_DELAYS, from_index=True
    )
    ok = first < 1 and first2 < 1 and max(every) < 0.05
    print(f"\n{'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
