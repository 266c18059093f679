-- Run once by the postgres image, when the postgres-data volume is still empty
-- (/docker-entrypoint-initdb.d), as POSTGRES_USER in POSTGRES_DB.
CREATE TABLE IF NOT EXISTS predictions (
    id           BIGSERIAL PRIMARY KEY,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    request_id   TEXT,
    model_sha256 TEXT,
    device       TEXT,
    batch_size   INTEGER,
    latency_ms   DOUBLE PRECISION,
    input        JSONB,
    output       JSONB
);

CREATE INDEX IF NOT EXISTS predictions_created_at_idx ON predictions (created_at);
