"""The App: thin. It holds the finished data, installs one screen per view and switches.

Views: ``1`` closure browser, ``2`` files (when the input has files), ``3`` findings, ``4``
/etc (when the /etc analysis ran). ``?`` help, ``t`` light/dark theme, ``q`` quit.

Every screen, the modals (search, why-depends, help) included, is installed once and
composed ahead before the first frame (``on_mount``; the files view of a tree indexed in a
thread gets its index later, ``FilesScreen.set_index``), so no key composes, mounts or
removes a screen: on the 2-core build VM that was 20-60 ms of a view's first show and of
every modal (benchmarks/README.md, section "TUI").
"""

from __future__ import annotations

import asyncio
import gc
from contextlib import ExitStack
from pathlib import PurePosixPath
from typing import Any, ClassVar

from textual import work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widget import AwaitMount

from closurescope.analysis.result import AnalysisResult
from closurescope.model import Closure
from closurescope.tui._textual_hacks import prepare_offscreen
from closurescope.tui.messages import JumpToComponent, JumpToPath
from closurescope.tui.screens.browse import BrowseScreen
from closurescope.tui.screens.etc import EtcScreen
from closurescope.tui.screens.files import FilesScreen
from closurescope.tui.screens.findings import FindingsScreen
from closurescope.tui.screens.help import HelpScreen
from closurescope.tui.screens.search import SearchScreen
from closurescope.tui.screens.why import WhyScreen
from closurescope.tui.view import FilesIndex, etc_view

VIEWS = {"browse": "Browse", "files": "Files", "findings": "Findings", "etc": "/etc"}
"""View names (screen names) and their tab labels, in key order 1-4."""
MODAL_TYPES = (SearchScreen, WhyScreen, HelpScreen)
SYNC_INDEX_LIMIT = 20_000
"""File trees up to this many entries are indexed before the first screen, bigger ones in a
worker thread after it (the files view opens when the index is ready)."""
DARK_THEME = "textual-dark"
LIGHT_THEME = "textual-light"


class ClosurescopeApp(App[None]):
    """closurescope explore: the browser, files, findings and /etc views over one input."""

    CSS_PATH = "closurescope.tcss"
    TITLE = "closurescope"
    ENABLE_COMMAND_PALETTE = False

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "view('browse')", "Browse", show=False),
        Binding("2", "view('files')", "Files", show=False),
        Binding("3", "view('findings')", "Findings", show=False),
        Binding("4", "view('etc')", "/etc", show=False),
        Binding("question_mark", "help", "Help"),
        Binding("t", "toggle_theme", "Theme", show=False),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(self, closure: Closure, result: AnalysisResult) -> None:
        super().__init__()
        self.closure = closure
        self.result = result
        self.sub_title = closure.source.path
        self._subjects = [s for f in result.findings for s in f.subjects]
        self.files_index: FilesIndex | None = None
        """The files view's index: built at once for small trees, else in a thread."""
        if closure.files is not None and len(closure.files) <= SYNC_INDEX_LIMIT:
            self.files_index = FilesIndex(closure, self._subjects)
        self._pending_view: str | None = None
        self.etc = etc_view(result.metrics)
        self.views: dict[str, str] = {}
        self._gc_paused = False
        """True while the garbage collector is paused for the files index thread."""
        self._first_frame = ExitStack()
        """Holds the frames back while the screens are composed ahead (``on_mount``)."""
        self.composed_ahead = asyncio.Event()
        """Set once every screen is composed and laid out (just before the first frame)."""

    @property
    def has_files(self) -> bool:
        """True when the input has a file tree (images, rootfs, store paths read from files)."""
        return self.closure.files is not None

    @property
    def has_etc(self) -> bool:
        """True when the /etc analysis produced a suggestion."""
        return self.etc is not None

    def on_mount(self) -> None:
        """Install the views this input has, compose them ahead, then show the browser.

        Textual paints no frame before the app's mount and the callbacks it queued are done,
        so the screens composed here (all at once: no key can arrive yet) cost the first
        screen some time and the keys after it nothing (``_compose_first``).
        """
        self.install_screen(BrowseScreen(self.closure, self.result), "browse")
        if self.has_files:
            # a big tree's index comes later (``_files_index_ready``): composed ahead anyway
            self.install_screen(FilesScreen(self.closure, self.result, self.files_index), "files")
        self.install_screen(FindingsScreen(self.closure, self.result), "findings")
        if self.etc is not None:
            self.install_screen(EtcScreen(self.etc, has_files=self.has_files), "etc")
        self.install_screen(SearchScreen(self.closure.graph), "search")
        self.install_screen(WhyScreen(self.closure.graph, None, self.result.sizes), "why")
        self.install_screen(HelpScreen(), "help")
        self._title_views()
        mounting = []
        for name in ("search", "findings", "help", "why", "files", "etc"):
            if self.is_screen_installed(name):
                screen = self.get_screen(name)
                mounting.append((screen, self.push_screen(screen)))
                self.pop_screen()
        # No frame until the browser is pushed (Textual's own batch ends with the mount
        # and its callbacks, and the layout below needs two rounds of them).
        self._first_frame.enter_context(self.batch_update())
        # Queued after Textual's own mount callbacks (the last layout requests they make)
        self.call_next(self._compose_first, mounting)

    async def _compose_first(self, mounting: list[tuple[Screen[Any], AwaitMount]]) -> None:
        """Once the screens composed ahead are mounted, lay them out (``_prepare_first``)."""
        for screen, mounted in mounting:
            await mounted
            await _quiet(screen)
        # Each header queued its title on the app (an async watcher): after those.
        self.call_next(self._prepare_first, [screen for screen, _ in mounting])

    async def _prepare_first(self, screens: list[Screen[Any]]) -> None:
        """Lay the screens composed ahead out off screen, then show the browser.

        Composed after the first frame instead, one screen's work kept a key pressed
        meanwhile waiting up to 58 ms (benchmarks/README.md, section "TUI").
        """
        for screen in screens:
            await _quiet(screen)
            prepare_offscreen(screen, self.size)
        self.push_screen("browse")
        self._first_frame.close()
        settle_heap(collect=True)
        if self.closure.files is not None and self.files_index is None:
            # after the first frame: the thread would otherwise slow the first paint down
            self.call_after_refresh(self._start_files_index)
        self.composed_ahead.set()

    def on_unmount(self) -> None:
        """Give the frozen objects back to the garbage collector (see ``settle_heap``), and
        resume it if the files index was still being built (``_start_files_index``)."""
        self._resume_gc()
        gc.unfreeze()

    def _title_views(self) -> None:
        available = [name for name in VIEWS if self.is_screen_installed(name)]
        for name in available:
            screen = self.get_screen(name)
            screen.title = PurePosixPath(self.closure.source.path).name or self.closure.source.path
            screen.sub_title = view_tabs(name, available)

    def _start_files_index(self) -> None:
        # The automatic garbage collector is paused while the thread builds the index: its
        # millions of new objects triggered full collections of 17-114 ms in the thread,
        # holding the GIL, so a key pressed then waited up to ~200 ms (benchmarks/README.md,
        # section "TUI"). They are frozen once the index is ready, then it runs again.
        self._gc_paused = gc.isenabled()
        gc.disable()
        self._build_files_index()

    def _resume_gc(self) -> None:
        if self._gc_paused:
            self._gc_paused = False
            gc.enable()

    @work(thread=True, exclusive=True, group="files-index")
    def _build_files_index(self) -> None:
        # A big tree takes a while to index: the browser is usable meanwhile.
        index = FilesIndex(self.closure, self._subjects)
        index.precompute()
        self.call_from_thread(self._files_index_ready, index)

    def _files_index_ready(self, index: FilesIndex) -> None:
        self.files_index = index
        settle_heap(collect=False)
        self._resume_gc()
        screen = self.get_screen("files")
        assert isinstance(screen, FilesScreen)
        screen.set_index(index)
        if self._pending_view == "files":
            self._pending_view = None
            self.action_view("files")

    def action_view(self, name: str) -> None:
        """Switch to a view (``browse``, ``files``, ``findings``, ``etc``)."""
        if name == "files" and self.has_files and self.files_index is None:
            self._pending_view = "files"
            self.notify("indexing the files… the view opens when ready", timeout=2)
            return
        if not self.is_screen_installed(name):
            self.notify(f"no {name} view for this input", timeout=2)
            return
        while isinstance(self.screen, MODAL_TYPES):
            self.pop_screen()
        if self.screen is not self.get_screen(name):
            self.switch_screen(name)

    def action_help(self) -> None:
        """Keys of the current view and of the app."""
        if isinstance(self.screen, HelpScreen):
            return
        screen = self.screen
        groups = [
            (f"{VIEWS.get(screen.name or '', 'this')} view", list(type(screen).BINDINGS)),
            ("lists", list(_list_bindings())),
            ("everywhere", list(self.BINDINGS)),
        ]
        help_screen = self.get_screen("help")
        assert isinstance(help_screen, HelpScreen)
        help_screen.prepare(groups)
        self.push_screen(help_screen)

    def action_toggle_theme(self) -> None:
        """Switch between the dark and the light theme."""
        self.theme = LIGHT_THEME if self.theme == DARK_THEME else DARK_THEME

    def on_jump_to_component(self, message: JumpToComponent) -> None:
        """Show a component in the browser."""
        self.switch_screen("browse")
        screen = self.get_screen("browse")
        assert isinstance(screen, BrowseScreen)
        screen.jump_to(message.node)

    def on_jump_to_path(self, message: JumpToPath) -> None:
        """Show a path in the files view (once the files are indexed)."""
        if self.files_index is None:
            return
        self.switch_screen("files")
        screen = self.get_screen("files")
        assert isinstance(screen, FilesScreen)
        screen.reveal(message.path)


async def _quiet(screen: Screen[Any]) -> None:
    """Until every widget, then the screen, handled what it had queued when called (the
    header sets its title after its own mount, and that asks the screen for a layout)."""
    for nodes in (list(screen.walk_children(with_self=True)), [screen]):
        handled = [asyncio.Event() for _ in nodes]
        for node, event in zip(nodes, handled, strict=True):
            if not node.call_later(event.set):
                event.set()
        for event in handled:
            await event.wait()


def settle_heap(*, collect: bool) -> None:
    """Move every object alive now out of the garbage collector's sight (``gc.freeze``).

    The app holds finished data: a 12,000-path closure or a 348,000-entry file tree is
    millions of objects that live until the app exits. Without this, each full collection
    (triggered every few keystrokes by Textual's short-lived objects) walks all of them:
    65-95 ms stalls in the middle of a key (measured with ``gc.callbacks`` in the bench).
    ``collect`` first frees the garbage left by loading so that it is not frozen too.
    """
    if collect:
        gc.collect()
    gc.freeze()


def view_tabs(active: str, available: list[str]) -> str:
    """The header's view line: ``[1 Browse]  2 Files  3 Findings`` (the active one bracketed)."""
    parts = []
    for key, name in enumerate(VIEWS, start=1):
        if name in available:
            label = f"{key} {VIEWS[name]}"
            parts.append(f"[{label}]" if name == active else f" {label} ")
    return " ".join(parts)


def _list_bindings() -> list[BindingType]:
    from closurescope.tui.widgets.path_list import PathList

    return list(PathList.BINDINGS)
