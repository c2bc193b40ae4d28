/**
 * Tag barcodes, event, session, consignor, register and hold ids: 1–64 of [A-Za-z0-9._-], starting
 * with a letter or digit (so `.` and `..`, which URL normalisation would rewrite, are never ids).
 */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** Transaction ids are client-generated UUIDs (any version), compared in lower case. */
export const UUID_PATTERN = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** The name of the SaleSession object of one session of one event. */
export const sessionObjectName = (eventId: string, sessionId: string) => `${eventId}:${sessionId}`;
