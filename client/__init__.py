"""The District game client: pygame-ce scenes and pygame_gui widgets over a network thread."""

import os as _os

_os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
