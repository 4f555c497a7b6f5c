"""The Dash app: layout, thin callbacks, pure figure functions."""
