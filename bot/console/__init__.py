"""The console front end: a chat at the terminal on the same dispatcher and jobs as the Telegram bot."""
