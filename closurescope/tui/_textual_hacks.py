"""The one place that uses Textual's private API (Textual 8.2.8: the snapshots pin it).

Textual lays a screen out and renders its lines only while it is the current one. A screen
composed ahead of its first show (``ClosurescopeApp._compose_ahead``) therefore keeps a
layout pending until then, and its first show lays it out, sends every widget a Resize,
renders every line for the first time and paints twice: 30-40 ms of ``2``, ``3``, ``/``,
``w`` and ``?`` the first time on the 2-core build VM, against 10-15 ms for the next times,
when the lines come from the widgets' caches (benchmarks/README.md, section "TUI"). And a
screen's frame timer, started on its first show, waits one whole frame interval (16.7 ms)
before its first frame; started once off screen, it paints the first show at once.
"""

from __future__ import annotations

from typing import Any

from textual.geometry import Size
from textual.screen import Screen


def prepare_offscreen(screen: Screen[Any], size: Size) -> None:
    """Lay ``screen`` out at ``size`` and render its lines now, while another screen is shown.

    What Textual's update timer (``Screen._on_timer_update``) does for the current screen,
    except the write to the terminal: the layout, the pending flag cleared, then a full
    render whose result is dropped (it fills the widgets' line caches). Then the timer is
    started: its first tick finds the screen not current and pauses it again.
    """
    if screen.is_current or not screen.is_attached:
        return
    screen._refresh_layout(size)
    screen._layout_required = False
    screen._compositor.render_update(full=True)
    screen._update_timer.resume()
