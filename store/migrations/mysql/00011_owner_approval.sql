-- +goose Up
ALTER TABLE users ADD COLUMN business_number VARCHAR(12) NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN approval VARCHAR(16) NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN approval_reason VARCHAR(500) NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN suspended_at DATETIME(6) NULL;
-- Owners from before approval existed keep their stalls running.
UPDATE users SET approval = 'approved' WHERE role = 'owner';

-- +goose Down
ALTER TABLE users DROP COLUMN suspended_at;
ALTER TABLE users DROP COLUMN approval_reason;
ALTER TABLE users DROP COLUMN approval;
ALTER TABLE users DROP COLUMN business_number;
