"""Oracle-safe schema migrations for Flask applications, built on Alembic and Flask-Migrate."""
