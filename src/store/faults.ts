/**
 * SQLite result codes that mean the storage, not the request, is at fault: a full disk or page limit,
 * an I/O error, a database locked past busy_timeout, a read-only file. A change that meets one is
 * rolled back whole and tried again later; an HTTP request that meets one answers 503.
 */
const STORAGE_CODES = /^SQLITE_(FULL|IOERR|BUSY|LOCKED|READONLY|CANTOPEN|PROTOCOL|NOLFS)/

export function isStorageError (err: unknown): err is Error & { code: string } {
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' && STORAGE_CODES.test(code)
}

/** The error's kind in a few words, for the log (SQLITE_FULL, SQLITE_IOERR_WRITE…). */
export function storageErrorKind (err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : (err as Error | null)?.name ?? 'Error'
}
