"""The application as a module-level `app`, for the FastAPI CLI and any ASGI server.

    uv run fastapi dev      # development, auto-reload (pyproject.toml's [tool.fastapi] points here)
    uv run fastapi run      # or: uvicorn <package>.main:app

Settings come from the environment when this module is imported. `python -m <package>` (the
production command) uses the `create_app` factory instead, once per worker process.
"""

from .app import create_app

app = create_app()
