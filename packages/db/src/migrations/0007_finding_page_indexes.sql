-- Finding pages are read newest first, (detected_at, id) descending, with keyset cursors and any
-- mix of filters. An index in that order per common filter lets each page stop after `limit` rows
-- whatever the filter, where scanning the time index and discarding non-matching rows costs as
-- much as the filter is rare (a detector on a coin it never fires for scans every finding).
DROP INDEX findings_by_subject;
CREATE INDEX findings_by_subject ON findings (tenant_id, subject, detected_at DESC, id DESC);
CREATE INDEX findings_by_detector ON findings (tenant_id, detector, detected_at DESC, id DESC);
CREATE INDEX findings_by_detector_subject ON findings (tenant_id, detector, subject, detected_at DESC, id DESC);
DROP INDEX findings_open;
CREATE INDEX findings_open ON findings (tenant_id, detected_at DESC, id DESC) WHERE status = 'open';
