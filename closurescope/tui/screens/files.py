"""The files view: an ncdu/dive-like tree with sizes, a global largest-files list and layers.

Left (images only): the layer selector, ``all layers`` for the merged tree, then each layer
with its size and the command that made it; highlighting a layer lists what it added (A),
modified (M) and removed (D). Right: the current directory, biggest first, or every file of
the image biggest first (``g``, dive #89/#323). Markers: L symlink loop, W wasted (written by
more than one layer), D duplicate content, ! subject of a finding.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Header

from closurescope.analysis.result import AnalysisResult
from closurescope.model import Closure, FileKind
from closurescope.tui.view import MARKER_MEANING, FilesIndex, subjects_index
from closurescope.tui.widgets.details import Details
from closurescope.tui.widgets.key_bar import KeyBar
from closurescope.tui.widgets.path_list import LazyRows, PathList, Row, RowList
from closurescope.units import format_size

ALL_LAYERS = "all"
LEGEND = "L loop  W wasted  D duplicate  ! finding"
LAYER_LEGEND = "A added  M modified  D removed"


def _short_command(created_by: str) -> str:
    """``/bin/sh -c #(nop) ADD file:… in /`` → ``ADD file:… in /`` (dive shows the same)."""
    text = " ".join(created_by.split())
    for prefix in ("/bin/sh -c ", "#(nop) "):
        if text.startswith(prefix):
            text = text[len(prefix) :].lstrip()
    return text


class FilesScreen(Screen[None]):
    """Browse the image's files: directories, largest files, and each layer's changes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("right,l", "enter", "Open dir"),
        Binding("left,h,backspace", "up", "Up"),
        Binding("g", "largest", "Largest files"),
        Binding("s", "toggle_sort", "Sort"),
        Binding("y", "copy", "Copy path"),
    ]

    def __init__(self, closure: Closure, result: AnalysisResult, index: FilesIndex | None) -> None:
        """``index`` None: a big tree is being indexed; ``set_index`` gives it once ready, and
        the screen is not shown before (it can be composed and laid out meanwhile)."""
        super().__init__(name="files")
        self.closure = closure
        self.result = result
        self._index = index
        self.findings_by_subject = subjects_index(result)
        self.cwd = ""
        self.mode = "tree"
        """``tree`` (a directory), ``largest`` (every file) or ``layer`` (one layer's changes)."""
        self.layer_index: int | None = None
        self.by_name = False
        self._cursor_in: dict[str, int] = {}
        self._mounted = False
        self._pending_reveal: str | None = None
        """A path to reveal once mounted (a jump can arrive before the first show)."""
        self.sub_title = "files"

    def compose(self) -> ComposeResult:
        """Layer selector (images), file list, details."""
        yield Header()
        with Horizontal(id="files-columns"):
            if self.closure.layers:
                rows = self._layer_rows() if self._index is not None else RowList(())
                yield PathList(rows, cell_widths=(10,), id="layers")
            yield PathList(cell_widths=(10,), bar_width=8, id="files", empty_text="(empty)")
        yield Details(id="file-details")
        yield KeyBar()

    @property
    def index(self) -> FilesIndex:
        """The files index (the screen is shown only once it has one)."""
        assert self._index is not None, "the files view is used before its index is ready"
        return self._index

    @property
    def _ready(self) -> bool:
        return self._mounted and self._index is not None

    def on_mount(self) -> None:
        """Show the root directory (or the path a jump asked for), if indexed already."""
        self._mounted = True
        self.query_one("#files", PathList).focus()
        if self._index is not None:
            self._start()

    def set_index(self, index: FilesIndex) -> None:
        """The index of a big tree, built after this screen was made: show its root."""
        self._index = index
        if self.closure.layers and self._mounted:
            self.query_one("#layers", PathList).set_rows(self._layer_rows())
        if self._mounted:
            self._start()

    def _start(self) -> None:
        if self._pending_reveal is not None:
            self.reveal(self._pending_reveal)
            return
        self._show()

    # -- rows -------------------------------------------------------------------------------
    def _layer_rows(self) -> RowList:
        rows = [Row(ALL_LAYERS, "all layers", (format_size(self.index.size("")),))]
        for layer in self.closure.layers:
            command = _short_command(layer.created_by or layer.comment or layer.digest or "")
            rows.append(
                Row(
                    str(layer.index),
                    f"#{layer.index} {command}",
                    (format_size(layer.uncompressed_size or layer.content_size),),
                )
            )
        return RowList(rows)

    def _entry_row(self, path: str, total: int, *, full: bool) -> Row:
        entry = self.index.tree.get(path)
        size = self.index.size(path)
        label = path if full else path.rpartition("/")[2]
        dim = False
        if entry is not None:
            if entry.kind is FileKind.DIR:
                label += "/"
            elif entry.kind is FileKind.SYMLINK:
                label += f" -> {entry.link_target}"
                dim = True
            elif entry.kind is not FileKind.FILE:
                dim = True
        return Row(
            key=path,
            label=label,
            cells=(format_size(size),),
            fraction=size / total if total else None,
            marker=self.index.markers(path)[:1] or " ",
            dim=dim,
        )

    # -- display ----------------------------------------------------------------------------
    def _show(self, cursor: int | None = None, *, focus_key: str | None = None) -> None:
        files = self.query_one("#files", PathList)
        if self.mode == "largest":
            keys = self.index.largest()
            biggest = self.index.size(keys[0]) if keys else 0
            rows = LazyRows(keys, lambda p: self._entry_row(p, biggest, full=True))
            files.border_title = f"largest files ({len(keys)})"
        elif self.mode == "layer" and self.layer_index is not None:
            layer_index = self.layer_index
            keys = self.index.layer_paths(layer_index)

            def make(path: str) -> Row:
                change = self.index.layer_change(layer_index, path)
                return Row(
                    path,
                    path,
                    (format_size(change.size),),
                    marker=change.change,
                    dim=change.change == "D",
                )

            rows = LazyRows(keys, make)
            layer = self.closure.layers[self.layer_index]
            files.border_title = (
                f"layer #{self.layer_index}: {len(layer.added)} added, {len(layer.modified)} "
                f"modified, {len(layer.removed)} removed"
            )
        else:
            keys = self.index.children(self.cwd, by_name=self.by_name)
            total = self.index.size(self.cwd)
            rows = LazyRows(keys, lambda p: self._entry_row(p, total, full=False))
            sort = "name" if self.by_name else "size"
            files.border_title = f"/{self.cwd}  {format_size(total)}  (sort: {sort})"
        files.border_subtitle = LAYER_LEGEND if self.mode == "layer" else LEGEND
        if focus_key is not None and focus_key in keys:
            cursor = list(keys).index(focus_key)
        files.set_rows(rows, cursor or 0)
        self._show_details()

    def _show_details(self) -> None:
        details = self.query_one("#file-details", Details)
        row = self.query_one("#files", PathList).current
        if row is None:
            details.show("/" + self.cwd, [("", "empty directory")])
            return
        path = row.key
        entry = self.index.tree.get(path)
        lines: list[tuple[str, str]] = []
        if entry is None:
            lines.append(("", "not in the merged tree (removed by a later layer)"))
        else:
            kind = entry.kind.value
            what = f"{kind}, {format_size(self.index.size(path))}, mode {entry.mode:04o}"
            what += f", {entry.uid}:{entry.gid}"
            if entry.layer is not None:
                what += f", layer #{entry.layer}"
            lines.append(("entry", what))
            if entry.link_target is not None:
                status = self.index.tree.resolve(path).status.value
                lines.append(("target", f"{entry.link_target} ({status})"))
            if entry.component:
                lines.append(("owner", entry.component))
            if entry.kind is FileKind.DIR:
                lines.append(("files", str(self.index.counts.get(path, 0))))
        marks = self.index.markers(path)
        if marks:
            lines.append(("markers", "; ".join(MARKER_MEANING[m] for m in marks)))
        found = self.findings_by_subject.get(path) or self.findings_by_subject.get("/" + path)
        if found:
            f = self.result.findings[found[0]]
            lines.append(("finding", f"{f.rule_id} {f.title}"))
        details.show("/" + path, lines)

    # -- events -----------------------------------------------------------------------------
    def on_path_list_highlighted(self, message: PathList.Highlighted) -> None:
        """File cursor: details; layer cursor: show that layer (or the merged tree)."""
        if message.path_list.id == "files":
            if self.mode == "tree":
                self._cursor_in[self.cwd] = message.index
            self._show_details()
        elif message.path_list.id == "layers":
            if message.key == ALL_LAYERS:
                self.mode, self.layer_index = "tree", None
            else:
                self.mode, self.layer_index = "layer", int(message.key)
            self._show()

    def on_path_list_selected(self, message: PathList.Selected) -> None:
        """Enter on a directory opens it; on a listed file or change, shows it in its folder."""
        if message.path_list.id != "files":
            return
        if self.mode == "tree":
            self.action_enter()
        else:
            self.reveal(message.key)

    # -- actions ----------------------------------------------------------------------------
    def action_enter(self) -> None:
        """Open the highlighted directory."""
        row = self.query_one("#files", PathList).current
        if row is None:
            return
        if self.mode != "tree":
            self.reveal(row.key)
            return
        entry = self.index.tree.get(row.key)
        if entry is not None and entry.kind is FileKind.DIR and self.index.tree.children(row.key):
            self.cwd = row.key
            self._show(self._cursor_in.get(self.cwd, 0))

    def action_up(self) -> None:
        """Go to the parent directory (or back to the tree from a list)."""
        if self.mode != "tree":
            self._set_all_layers()
            self.mode = "tree"
            self._show(self._cursor_in.get(self.cwd, 0))
            return
        if not self.cwd:
            return
        child = self.cwd
        self.cwd = self.cwd.rpartition("/")[0]
        self._show(focus_key=child)

    def action_largest(self) -> None:
        """Toggle the list of every file, biggest first."""
        self._set_all_layers()
        self.mode = "tree" if self.mode == "largest" else "largest"
        self._show(self._cursor_in.get(self.cwd, 0) if self.mode == "tree" else 0)
        self.query_one("#files", PathList).focus()

    def action_toggle_sort(self) -> None:
        """Directory entries by size or by name."""
        self.by_name = not self.by_name
        row = self.query_one("#files", PathList).current
        self._show(focus_key=row.key if row else None)

    def action_copy(self) -> None:
        """Copy the highlighted path (OSC 52)."""
        row = self.query_one("#files", PathList).current
        if row is not None:
            self.app.copy_to_clipboard("/" + row.key)
            self.notify(f"copied /{row.key}", timeout=2)

    def _set_all_layers(self) -> None:
        self.layer_index = None
        if self.closure.layers:
            self.query_one("#layers", PathList).move_to(0, announce=False)

    def reveal(self, path: str) -> None:
        """Show ``path`` highlighted in its directory of the merged tree."""
        path = path.strip("/")
        if not self._ready:
            self._pending_reveal = path
            return
        self._set_all_layers()
        self.mode = "tree"
        if path not in self.index.tree:
            parent = path
            while parent and parent not in self.index.tree:
                parent = parent.rpartition("/")[0]
            path = parent
        self.cwd = path.rpartition("/")[0] if path else ""
        self._show(focus_key=path)
        self.query_one("#files", PathList).focus()
