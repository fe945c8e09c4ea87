"""The only code that talks to the database: schema, migrations and data access functions."""
