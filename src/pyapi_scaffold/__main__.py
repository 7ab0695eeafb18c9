from pyapi_scaffold.cli import run

run()
