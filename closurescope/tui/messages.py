"""Messages that cross screens (posted to the App, which switches screens and forwards them)."""

from __future__ import annotations

from textual.message import Message

from closurescope.model import NodeId


class JumpToComponent(Message):
    """Show this component in the closure browser."""

    def __init__(self, node: NodeId) -> None:
        super().__init__()
        self.node = node


class JumpToPath(Message):
    """Show this in-image path in the files view."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path
