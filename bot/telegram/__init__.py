"""The Telegram front end: the PTB Application's wiring and the paced, error-mapped Bot API calls."""
