from typing import Any

import pygame


def test_render(make_app: Any) -> None:
    for size in [(1024, 768), (1920, 1080)]:
        for fs in ("normal", "larger"):
            app = make_app("observer", size=size)
            app.model.code = "K7QM2P"
            app.set_display(font_size=fs)
            app.frame([])
            app.frame([])
            print(size, fs, {k: tuple(r) for k, r in app.scene.bar.items()})
            pygame.image.save(app.surface, f"/tmp/forms/proj-{size[0]}-{fs}.png")
