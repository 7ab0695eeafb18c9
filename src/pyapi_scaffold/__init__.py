"""pyapi-scaffold: recommend FastAPI or Flask, then render a Copier template."""

__version__ = "0.11.0"
