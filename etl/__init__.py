"""The ETL: fetch releases, parse them to text, extract announcements, load them."""
