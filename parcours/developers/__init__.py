"""For developers: the OpenAPI description of the JSON API, generated from the routes'
declarations (`@documented` in parcours/core/api.py) and the marshmallow schemas they load and
dump through, and a reference page rendered from it."""
