"""Drawing helpers, the theme, icons and the pygame_gui manager factory."""
