-- The text model that suggests a category and a department (one row per training; the
-- newest is in force, its id is the version every instance checks).
CREATE TABLE routing_models (
    id SERIAL PRIMARY KEY,
    trained_at TIMESTAMP NOT NULL,
    cases INTEGER NOT NULL,
    figures TEXT NOT NULL,
    model TEXT NOT NULL
);

-- One row: whether suggestions are shown, and a training an administrator asked for.
CREATE TABLE routing_settings (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    suggestions_on BOOLEAN NOT NULL DEFAULT TRUE,
    training_requested_at TIMESTAMP
);
INSERT INTO routing_settings (id) VALUES (1);
