"""The relational store: models, migrations, engine set-up and every query."""
