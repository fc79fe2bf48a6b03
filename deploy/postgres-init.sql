-- Run once by the postgres image on an empty volume (docker-compose.yml): the app
-- database next to the tracker store database (POSTGRES_DB), owned by the same user.
CREATE DATABASE pump_app OWNER pump;
