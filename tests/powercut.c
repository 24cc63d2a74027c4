/* SPDX-License-Identifier: MIT */
/*
 * A power cut for tests, loaded with LD_PRELOAD: an SQLite VFS over the
 * default one that remembers every write (and truncation) of a database,
 * WAL or journal file not yet made durable by an xSync of that file. At
 * the WG_POWERCUT_AT-th write, sync or truncation, before it happens, the
 * power goes: the files are put back as the disk last held them for sure
 * (everything since their last sync undone), then, as a disk with a
 * volatile cache may have written some of it, a random part of what was
 * not synced is written again, whole or torn at 512-byte sectors (with
 * WG_POWERCUT_MODE=drop, none of it); and the process dies of SIGKILL.
 * WG_POWERCUT_SEED seeds the choice. Without WG_POWERCUT_AT nothing is
 * cut; with WG_POWERCUT_COUNT=FILE the number of operations seen is
 * written there at exit, to plan the cut points.
 *
 * The same model as SQLite's own crash tests (src/test6.c): the disk
 * keeps everything synced, any part of what was not, and never changes a
 * sector outside a write.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SECTOR 512

/* One write or truncation of a file since its last sync. */
typedef struct op_s {
  struct op_s *next;
  sqlite3_int64 offset; /* a truncation: the new size */
  sqlite3_int64 size_before;
  int amt;            /* bytes written; -1 for a truncation */
  unsigned char *old; /* what was there before, within size_before */
  int old_len;
  unsigned char *data; /* what was written */
} op_t;

/* A file as the disk sees it, shared by every handle open on it. */
typedef struct disk_file_s {
  struct disk_file_s *next;
  char *path;
  op_t *ops, **tail; /* not yet synced, oldest first */
} disk_file_t;

typedef struct pc_file_s {
  sqlite3_file base;
  disk_file_t *disk;  /* NULL: not a file we model (shm, temp) */
  sqlite3_file *real; /* the default VFS's, allocated after this */
} pc_file_t;

static sqlite3_vfs pc_vfs;
static sqlite3_vfs *real_vfs;
static sqlite3_io_methods pc_io;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static disk_file_t *disk_files;
static long ops_seen, cut_at;
static const char *count_file;

static disk_file_t *disk_of(const char *path) {
  disk_file_t *d;

  for (d = disk_files; d != NULL; d = d->next)
    if (strcmp(d->path, path) == 0)
      return d;
  d = calloc(1, sizeof(*d));
  if (d == NULL || (d->path = strdup(path)) == NULL)
    abort();
  d->tail = &d->ops;
  d->next = disk_files;
  disk_files = d;
  return d;
}

static void forget(disk_file_t *d) {
  op_t *op, *next;

  for (op = d->ops; op != NULL; op = next) {
    next = op->next;
    free(op->old);
    free(op->data);
    free(op);
  }
  d->ops = NULL;
  d->tail = &d->ops;
}

static void pwrite_all(int fd, const void *buf, size_t n, off_t off) {
  if (pwrite(fd, buf, n, off) != (ssize_t)n)
    abort();
}

/* Undo every operation since the last sync, newest first. */
static void undo(int fd, op_t *op) {
  if (op == NULL)
    return;
  undo(fd, op->next);
  if (op->amt < 0) { /* a truncation: the tail comes back */
    if (op->old_len > 0)
      pwrite_all(fd, op->old, (size_t)op->old_len, (off_t)op->offset);
  } else if (op->old_len > 0) {
    pwrite_all(fd, op->old, (size_t)op->old_len, (off_t)op->offset);
  }
  if (ftruncate(fd, (off_t)op->size_before) != 0)
    abort();
}

/* What the disk's cache may have written of @op before the power went. */
static void replay(int fd, const op_t *op, int mode) {
  int r = rand() % 4;

  if (mode == 0 || r < 2)
    return; /* lost */
  if (op->amt < 0) {
    if (ftruncate(fd, (off_t)op->offset) != 0)
      abort();
    return;
  }
  for (int at = 0; at < op->amt; at += SECTOR) {
    int n = op->amt - at < SECTOR ? op->amt - at : SECTOR;
    if (r == 2 || rand() % 2) /* whole, or this sector of a torn write */
      pwrite_all(fd, op->data + at, (size_t)n, (off_t)(op->offset + at));
  }
}

static void power_cut(void) {
  const char *m = getenv("WG_POWERCUT_MODE");
  int mode = m != NULL && strcmp(m, "drop") == 0 ? 0 : 1;

  for (disk_file_t *d = disk_files; d != NULL; d = d->next) {
    int fd;

    if (d->ops == NULL)
      continue;
    if ((fd = open(d->path, O_WRONLY)) < 0)
      abort();
    undo(fd, d->ops);
    for (const op_t *op = d->ops; op != NULL; op = op->next)
      replay(fd, op, mode);
    close(fd);
  }
  fprintf(stderr, "powercut: the power went at operation %ld\n", ops_seen);
  kill(getpid(), SIGKILL);
  for (;;)
    pause();
}

/* Counts an operation on a modelled file; the cut comes before it. */
static void count_op(void) {
  if (++ops_seen == cut_at)
    power_cut();
}

static sqlite3_int64 size_of(pc_file_t *f) {
  sqlite3_int64 size = 0;
  f->real->pMethods->xFileSize(f->real, &size);
  return size;
}

/* Remember what @f held in [@offset, @offset + @len) before a change. */
static op_t *record(pc_file_t *f, sqlite3_int64 offset, sqlite3_int64 len) {
  op_t *op = calloc(1, sizeof(*op));
  sqlite3_int64 size = size_of(f);

  if (op == NULL)
    abort();
  op->offset = offset;
  op->size_before = size;
  if (offset < size) {
    op->old_len = (int)(offset + len < size ? len : size - offset);
    if ((op->old = malloc((size_t)op->old_len)) == NULL ||
        f->real->pMethods->xRead(f->real, op->old, op->old_len, offset) !=
            SQLITE_OK)
      abort();
  }
  *f->disk->tail = op;
  f->disk->tail = &op->next;
  return op;
}

static int pc_write(sqlite3_file *file, const void *buf, int amt,
                    sqlite3_int64 offset) {
  pc_file_t *f = (pc_file_t *)file;
  int rc;

  if (f->disk == NULL)
    return f->real->pMethods->xWrite(f->real, buf, amt, offset);
  pthread_mutex_lock(&lock);
  count_op();
  op_t *op = record(f, offset, amt);
  op->amt = amt;
  if ((op->data = malloc((size_t)amt)) == NULL)
    abort();
  memcpy(op->data, buf, (size_t)amt);
  rc = f->real->pMethods->xWrite(f->real, buf, amt, offset);
  pthread_mutex_unlock(&lock);
  return rc;
}

static int pc_truncate(sqlite3_file *file, sqlite3_int64 size) {
  pc_file_t *f = (pc_file_t *)file;
  sqlite3_int64 before;
  int rc;

  if (f->disk == NULL)
    return f->real->pMethods->xTruncate(f->real, size);
  pthread_mutex_lock(&lock);
  count_op();
  before = size_of(f);
  op_t *op = record(f, size, before > size ? before - size : 0);
  op->amt = -1;
  rc = f->real->pMethods->xTruncate(f->real, size);
  pthread_mutex_unlock(&lock);
  return rc;
}

static int pc_sync(sqlite3_file *file, int flags) {
  pc_file_t *f = (pc_file_t *)file;
  int rc;

  if (f->disk == NULL)
    return f->real->pMethods->xSync(f->real, flags);
  pthread_mutex_lock(&lock);
  count_op();
  rc = f->real->pMethods->xSync(f->real, flags);
  if (rc == SQLITE_OK) /* every handle's writes: fsync is per file */
    forget(f->disk);
  pthread_mutex_unlock(&lock);
  return rc;
}

static int pc_close(sqlite3_file *file) {
  pc_file_t *f = (pc_file_t *)file;
  /* What was not synced stays on the disk's list: closing syncs nothing. */
  return f->real->pMethods->xClose(f->real);
}

#define PASS(name, proto, args)                                                \
  static int pc_##name proto {                                                 \
    pc_file_t *f = (pc_file_t *)file;                                          \
    return f->real->pMethods->x##name args;                                    \
  }
PASS(Read, (sqlite3_file * file, void *buf, int amt, sqlite3_int64 off),
     (f->real, buf, amt, off))
PASS(FileSize, (sqlite3_file * file, sqlite3_int64 *size), (f->real, size))
PASS(Lock, (sqlite3_file * file, int level), (f->real, level))
PASS(Unlock, (sqlite3_file * file, int level), (f->real, level))
PASS(CheckReservedLock, (sqlite3_file * file, int *out), (f->real, out))
PASS(FileControl, (sqlite3_file * file, int op, void *arg), (f->real, op, arg))
PASS(SectorSize, (sqlite3_file * file), (f->real))
PASS(DeviceCharacteristics, (sqlite3_file * file), (f->real))
PASS(ShmMap,
     (sqlite3_file * file, int page, int size, int extend, void volatile **p),
     (f->real, page, size, extend, p))
PASS(ShmLock, (sqlite3_file * file, int offset, int n, int flags),
     (f->real, offset, n, flags))
PASS(ShmUnmap, (sqlite3_file * file, int del), (f->real, del))
PASS(Fetch, (sqlite3_file * file, sqlite3_int64 off, int amt, void **p),
     (f->real, off, amt, p))
PASS(Unfetch, (sqlite3_file * file, sqlite3_int64 off, void *p),
     (f->real, off, p))
#undef PASS

static void pc_ShmBarrier(sqlite3_file *file) {
  pc_file_t *f = (pc_file_t *)file;
  f->real->pMethods->xShmBarrier(f->real);
}

static int pc_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *file,
                   int flags, int *out_flags) {
  pc_file_t *f = (pc_file_t *)file;
  int rc;

  (void)vfs;
  f->real = (sqlite3_file *)&f[1];
  rc = real_vfs->xOpen(real_vfs, name, f->real, flags, out_flags);
  if (rc != SQLITE_OK) {
    f->base.pMethods = NULL;
    return rc;
  }
  f->disk = NULL;
  if (name != NULL && (flags & (SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_WAL |
                                SQLITE_OPEN_MAIN_JOURNAL))) {
    pthread_mutex_lock(&lock);
    f->disk = disk_of(name);
    pthread_mutex_unlock(&lock);
  }
  f->base.pMethods = &pc_io;
  return SQLITE_OK;
}

static int pc_delete(sqlite3_vfs *vfs, const char *name, int sync_dir) {
  (void)vfs;
  /* A file made again under the name starts with nothing to undo. */
  pthread_mutex_lock(&lock);
  for (disk_file_t *d = disk_files; d != NULL; d = d->next)
    if (strcmp(d->path, name) == 0)
      forget(d);
  pthread_mutex_unlock(&lock);
  return real_vfs->xDelete(real_vfs, name, sync_dir);
}

static void write_count(void) {
  FILE *f = fopen(count_file, "w");

  if (f != NULL) {
    fprintf(f, "%ld\n", ops_seen);
    fclose(f);
  }
}

__attribute__((constructor)) static void powercut_init(void) {
  const char *at = getenv("WG_POWERCUT_AT"), *seed = getenv("WG_POWERCUT_SEED");

  cut_at = at != NULL ? atol(at) : 0;
  srand(seed != NULL ? (unsigned)atol(seed) : 1u);
  if ((count_file = getenv("WG_POWERCUT_COUNT")) != NULL)
    atexit(write_count);
  real_vfs = sqlite3_vfs_find(NULL);
  if (real_vfs == NULL)
    abort();
  pc_vfs = *real_vfs;
  pc_vfs.zName = "powercut";
  pc_vfs.szOsFile = (int)sizeof(pc_file_t) + real_vfs->szOsFile;
  pc_vfs.xOpen = pc_open;
  pc_vfs.xDelete = pc_delete;
  pc_io = (sqlite3_io_methods){
      .iVersion = 3,
      .xClose = pc_close,
      .xRead = pc_Read,
      .xWrite = pc_write,
      .xTruncate = pc_truncate,
      .xSync = pc_sync,
      .xFileSize = pc_FileSize,
      .xLock = pc_Lock,
      .xUnlock = pc_Unlock,
      .xCheckReservedLock = pc_CheckReservedLock,
      .xFileControl = pc_FileControl,
      .xSectorSize = pc_SectorSize,
      .xDeviceCharacteristics = pc_DeviceCharacteristics,
      .xShmMap = pc_ShmMap,
      .xShmLock = pc_ShmLock,
      .xShmBarrier = pc_ShmBarrier,
      .xShmUnmap = pc_ShmUnmap,
      .xFetch = pc_Fetch,
      .xUnfetch = pc_Unfetch,
  };
  sqlite3_vfs_register(&pc_vfs, 1);
}
