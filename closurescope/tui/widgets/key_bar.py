"""KeyBar: the screen's keys on one line at the bottom, as Textual's Footer shows them.

Textual's Footer is one widget per key and recomposes all of them whenever the bindings
may have changed (a screen switch, a modal closing, a focus change): 45-50 ms of the
~60 ms it takes Textual to switch between two trivial screens on the 2-core build VM
(8 ms without it; see benchmarks/README.md, section "TUI"). KeyBar draws the same keys
in the same colours as a single line of text and repaints only when the line changes.
A click on a key presses it, as on the Footer.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import events
from textual.screen import Screen
from textual.widget import Widget


class KeyBar(Widget):
    """The shown bindings of the screen: `` key `` then ``description `` for each action."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"key-bar--key", "key-bar--description"}

    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
        text-wrap: nowrap;
    }
    KeyBar > .key-bar--key {
        color: $footer-key-foreground;
        background: $footer-key-background;
        text-style: bold;
    }
    KeyBar > .key-bar--description {
        color: $footer-description-foreground;
        background: $footer-description-background;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._keys: tuple[tuple[str, str, str], ...] = ()
        """``(key, key display, description)`` of every key shown, in binding order."""

    def on_mount(self) -> None:
        """Follow the screen's bindings (they change with the focus)."""
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self._keys = self._shown_keys()

    def on_unmount(self) -> None:
        """Stop following the screen's bindings."""
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _shown_keys(self) -> tuple[tuple[str, str, str], ...]:
        # One entry per action (its first key), as the Footer groups them.
        seen: set[str] = set()
        keys: list[tuple[str, str, str]] = []
        for active in self.screen.active_bindings.values():
            binding = active.binding
            if not binding.show or binding.action in seen:
                continue
            seen.add(binding.action)
            keys.append((binding.key, self.app.get_key_display(binding), binding.description))
        return tuple(keys)

    def _bindings_changed(self, screen: Screen[object]) -> None:
        if not self.is_attached or screen is not self.screen:
            return
        keys = self._shown_keys()
        if keys != self._keys:
            self._keys = keys
            self.refresh()

    def _spans(self) -> list[tuple[int, int, str]]:
        spans = []
        x = 0
        for key, display, description in self._keys:
            width = len(display) + 2 + (len(description) + 1 if description else 0)
            spans.append((x, x + width, key))
            x += width
        return spans

    def render(self) -> Text:
        """`` key `` in the key style, ``description `` in the description style."""
        key_style = self.get_component_rich_style("key-bar--key")
        description_style = self.get_component_rich_style("key-bar--description")
        text = Text(no_wrap=True, overflow="crop", end="")
        for _, display, description in self._keys:
            text.append(f" {display} ", key_style)
            if description:
                text.append(f"{description} ", description_style)
        return text

    def on_click(self, event: events.Click) -> None:
        """A click on a key presses it."""
        for start, end, key in self._spans():
            if start <= event.x < end:
                self.app.simulate_key(key)
                return
