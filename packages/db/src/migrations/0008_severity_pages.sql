-- A list filtered on several severities reads each severity's page through its own index and
-- merges them (findings-repo.ts, pageQuery). These give that read an index per severity when a
-- coin or a detector is also asked for; without them "high or critical on one coin" walks the
-- coin's findings in page order and drops most of what it fetches.
CREATE INDEX findings_by_severity_subject ON findings (tenant_id, severity, subject, detected_at DESC, id DESC);
CREATE INDEX findings_by_severity_detector ON findings (tenant_id, severity, detector, detected_at DESC, id DESC);
