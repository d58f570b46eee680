"""The service's state in SQL: tables (`models`), migrations (`migrations/`), and the
transaction helpers the service uses (`database`)."""
