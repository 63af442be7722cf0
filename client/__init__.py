"""The District game client: pygame-ce scenes and pygame_gui widgets over a network thread."""
