import Database from 'better-sqlite3'
import { accessSync, constants, mkdirSync, readdirSync, readFileSync, statSync, type Stats } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { MIGRATIONS_DIR } from '../paths.js'
import { ConfigError } from '../config.js'

export type DB = Database.Database

/**
 * A start-up storage problem (issue 11, point 2): one line naming SANDBOX_DB, the cause and the fix.
 * A ConfigError, so the server and the CLI print it as they print a bad setting and exit 2.
 */
export class StorageError extends ConfigError {
  constructor (path: string, cause: string, fix: string) {
    super(`SANDBOX_DB=${JSON.stringify(path)} cannot be used: ${cause}: ${fix}`)
    this.name = 'StorageError'
  }
}

/** The file's identity: a file deleted or replaced under the server has another one (or none). */
export interface FileIdentity { dev: number, ino: number }

export interface OpenedDatabase {
  db: DB
  /** the file's identity at open; undefined for :memory: */
  identity?: FileIdentity
  /** true when the database was empty (no migration applied before this open) */
  fresh: boolean
  /** releases the lock held for the life of the database (a no-op for :memory:) */
  unlock: () => void
}

/**
 * Opens (creating its folder) and migrates the database: NNN_name.sql applied in order, version in
 * user_version. A file path is locked first (`<db>.lock`), so a second server on the same file refuses
 * to start instead of fighting the first over it. Every storage problem is a StorageError.
 */
export function openDatabase (path: string): OpenedDatabase {
  if (path === ':memory:') {
    const db = new Database(path)
    configure(db)
    migrate(db)
    return { db, fresh: true, unlock: () => {} }
  }
  const file = resolve(path)
  checkFile(path, file)
  makeFolder(path, dirname(file))
  const lock = acquireLock(path, `${file}.lock`)
  let db: DB | undefined
  try {
    db = new Database(file)
    configure(db)
    const fresh = migrate(db, path) === 0
    const stat = statSync(file)
    return { db, fresh, identity: { dev: stat.dev, ino: stat.ino }, unlock: () => { if (lock.open) lock.close() } }
  } catch (err) {
    if (db?.open === true) db.close()
    lock.close()
    if (err instanceof ConfigError) throw err
    // an error no path can explain (a broken migration) keeps its stack
    throw knownStorageError(path, err) ?? err
  }
}

function configure (db: DB): void {
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = NORMAL')
  db.pragma('foreign_keys = ON')
  db.pragma('busy_timeout = 5000')
  // each due event runs in its own savepoint, whose statement journal SQLite otherwise keeps in a
  // temporary file: in memory, an advance runs ~20% more events a second (issue 15)
  db.pragma('temp_store = MEMORY')
}

function statOrUndefined (path: string): Stats | undefined {
  try {
    return statSync(path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
}

// Pseudo file systems: their "files" are not storage, and Node's recursive mkdir loops forever under /proc
const PSEUDO = ['/proc', '/sys']

/** The path must be a regular file, or not exist yet: a folder, a device or a /proc entry is refused before SQLite opens it. */
function checkFile (path: string, file: string): void {
  if (PSEUDO.some((p) => file === p || file.startsWith(p + '/'))) {
    throw new StorageError(path, `${file} is on a pseudo file system (${PSEUDO.join(', ')}), not storage`, 'give a path on a real disk, e.g. ./data/sandbox.db')
  }
  let stat: Stats | undefined
  try {
    stat = statOrUndefined(file)
  } catch (err) {
    // a parent that is a file: makeFolder says which one
    if ((err as NodeJS.ErrnoException).code !== 'ENOTDIR') throw storageError(path, err)
  }
  if (stat !== undefined && !stat.isFile()) {
    const kind = stat.isDirectory() ? 'a folder' : 'not a regular file'
    throw new StorageError(path, `${file} is ${kind}`, 'give the path of a database file (it is created if missing)')
  }
}

/**
 * mkdir -p, one level at a time: a parent that is a regular file (ENOTDIR/EEXIST) or cannot be
 * created is one clear error, never a loop.
 */
function makeFolder (path: string, folder: string): void {
  const missing: string[] = []
  let at = folder
  for (;;) {
    let stat: Stats | undefined
    try {
      stat = statOrUndefined(at)
    } catch (err) {
      // ENOTDIR: a parent of `at` is a file, which the walk up reaches and names
      if ((err as NodeJS.ErrnoException).code !== 'ENOTDIR') throw storageError(path, err)
    }
    if (stat !== undefined) {
      if (!stat.isDirectory()) throw new StorageError(path, `${at} is a file, not a folder`, 'remove that file or choose another path')
      break
    }
    missing.unshift(at)
    const parent = dirname(at)
    if (parent === at) break
    at = parent
  }
  for (const dir of missing) {
    try {
      mkdirSync(dir)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST' && statOrUndefined(dir)?.isDirectory() === true) continue
      throw storageError(path, err, `cannot create the folder ${dir}`)
    }
  }
  // SQLite writes the file and its -wal, -shm and lock beside it: a read-only folder fails here, clearly
  try {
    accessSync(folder, constants.W_OK)
  } catch (err) {
    throw storageError(path, err, `the folder ${folder} is not writable`)
  }
}

/**
 * The lock held for the life of the process (issue 11, point 3): a sidecar SQLite file in exclusive
 * locking mode with a write transaction left open. SQLite's lock is a POSIX lock, which the kernel
 * drops when the process ends, however it ends (kill -9 included): no stale PID file to clean up.
 */
function acquireLock (path: string, lockFile: string): DB {
  let lock: DB
  try {
    lock = new Database(lockFile, { timeout: 0 })
  } catch (err) {
    throw storageError(path, err, `cannot create the lock file ${lockFile}`)
  }
  try {
    lock.pragma('locking_mode = EXCLUSIVE')
    lock.pragma('journal_mode = DELETE')
    // the transaction is never committed: the exclusive lock it takes lasts until close or exit
    lock.exec('BEGIN EXCLUSIVE')
    return lock
  } catch (err) {
    lock.close()
    const code = (err as { code?: string }).code ?? ''
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
      throw new StorageError(path, `another sandbox process is using it (${lockFile} is locked)`, 'stop that server first, or give this one another SANDBOX_DB')
    }
    throw storageError(path, err, `cannot lock ${lockFile}`)
  }
}

/** What an error of the file system or SQLite means for the user, as a StorageError. */
export function storageError (path: string, err: unknown, context?: string): StorageError {
  return knownStorageError(path, err, context) ?? new StorageError(path, context !== undefined ? `${context} (${(err as Error).message})` : (err as Error).message, 'check the path, or give another one')
}

function knownStorageError (path: string, err: unknown, context?: string): StorageError | undefined {
  const code = String((err as { code?: string }).code ?? '')
  const detail = (err as Error).message ?? String(err)
  const what = context !== undefined ? `${context} (${detail})` : detail
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
    return new StorageError(path, `the file is not a sandbox database (${detail})`, 'move it away or give another path; a missing file is created fresh')
  }
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS' || code.startsWith('SQLITE_READONLY') || code === 'SQLITE_PERM') {
    return new StorageError(path, `no permission to write there: ${what}`, 'give a path in a folder this user can write to (the file and its -wal/-shm beside it)')
  }
  if (code === 'SQLITE_CANTOPEN' || code.startsWith('SQLITE_IOERR') || code === 'ENOENT') {
    return new StorageError(path, `cannot open or write the file: ${what}`, 'check that the folder exists and is writable, or give another path')
  }
  if (code === 'SQLITE_FULL' || code === 'ENOSPC') {
    return new StorageError(path, `the disk is full: ${what}`, 'free some space or give a path on another disk')
  }
  if (code === 'ENOTDIR' || code === 'EEXIST') {
    return new StorageError(path, `a part of the path is a file, not a folder: ${what}`, 'remove that file or choose another path')
  }
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new StorageError(path, `the database is locked by another program: ${what}`, 'stop the other program or give another path')
  }
  return undefined
}

/** Applies the migrations not applied yet; returns the version the database had before. */
function migrate (db: DB, path = ':memory:'): number {
  const current = db.pragma('user_version', { simple: true }) as number
  const files = readdirSync(MIGRATIONS_DIR).filter((f) => /^\d{3}_.+\.sql$/.test(f)).sort()
  const known = files.length === 0 ? 0 : Number(files[files.length - 1].slice(0, 3))
  // a database a newer version migrated (010 rebuilt its tables) would fail here statement by statement
  if (current > known) {
    throw new StorageError(path, `it was written by a newer failover-sandbox (schema ${current}; this one knows up to ${known})`,
      'run that version or a later one, or give another path')
  }
  for (const file of files) {
    const version = Number(file.slice(0, 3))
    if (version <= current) continue
    const sql = readFileSync(join(MIGRATIONS_DIR, file), 'utf8')
    // foreign keys off while a migration runs (SQLite's way to rebuild a table: dropping a parent would
    // otherwise delete its children, migration 010), and checked before it commits
    db.pragma('foreign_keys = OFF')
    try {
      db.transaction(() => {
        db.exec(sql)
        const broken = db.pragma('foreign_key_check') as unknown[]
        if (broken.length > 0) throw new Error(`migration ${file} leaves ${broken.length} rows whose foreign key matches nothing`)
        db.pragma(`user_version = ${version}`)
      })()
    } finally {
      db.pragma('foreign_keys = ON')
    }
  }
  return current
}
