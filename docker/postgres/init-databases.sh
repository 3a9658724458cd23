#!/bin/bash
# Runs once, on the first start of an empty PostgreSQL volume: one database and one owner each for Airflow's
# metadata and for the connector's state DB, so neither can touch the other's tables.
set -euo pipefail

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" \
  -v airflow_password="$AIRFLOW_DB_PASSWORD" -v connector_password="$CONNECTOR_DB_PASSWORD" <<'SQL'
CREATE ROLE airflow LOGIN PASSWORD :'airflow_password';
CREATE DATABASE airflow OWNER airflow;
CREATE ROLE connector LOGIN PASSWORD :'connector_password';
CREATE DATABASE connector OWNER connector;
SQL
