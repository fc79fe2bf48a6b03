"""The app database (APP_DATABASE_URL): engine, sessions and every table the
project keeps beside Rasa's tracker store."""
