"""The speed-ups of the reader pages: hand-written queries and other fast paths."""
