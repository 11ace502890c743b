-- The schema registry keeps its schemas in its own database, so ids survive a registry restart.
CREATE DATABASE quizstream_registry;
