package dev.runway.protocol;

import java.time.Instant;
import java.util.List;

/** One audit record: who ({@code actor}: a token id, runner id or address) did what ({@code kind}) to what. */
public record AuditView(long seq, Instant at, String actor, String kind, String subject, String detail, String hash) {
    public record AuditList(List<AuditView> records) {}

    /** Answer of {@code GET /api/v1/audit/verify}. */
    public record Verification(boolean ok, long records, String head, Long brokenAt, String problem) {}
}
