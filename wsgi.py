"""WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi run`."""

import gc

from parcours import create_app

app = create_app()

# What is built so far (the modules, the app, SQLAlchemy's mappings: some 200,000 objects)
# lives as long as the process: the cyclic garbage collector stops going through it. Under
# load (the objective page, gunicorn), a full collection came every 600 requests of a worker
# and went through all of it: 170-190 ms, the slowest answers of the benchmark. Frozen, it
# comes more often and takes 8-19 ms. Objects still go as soon as nothing refers to them.
gc.collect()
gc.freeze()
