-- Run once as the postgres superuser: psql -f deploy/postgres/setup.sql
-- Then set DATABASE_URL and run `patt db upgrade` (the migrations create the schemas).
CREATE ROLE patt LOGIN PASSWORD 'CHANGE_ME';
CREATE DATABASE patt OWNER patt ENCODING 'UTF8' TEMPLATE template0;
\connect patt
GRANT ALL ON SCHEMA public TO patt;
