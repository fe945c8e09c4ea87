-- Runs once, when the database volume is first created: the role the app servers connect as.
-- Change the password (and in docker-compose.yml) before the first start.
CREATE ROLE iv_app LOGIN PASSWORD 'change-me-app';
