/* SPDX-License-Identifier: MIT */
/*
 * A bump allocator: many small allocations freed together. Used for the
 * configuration and for the readings of one group commit. Blocks are never
 * moved, so pointers stay valid until the arena is reset or freed.
 */
#ifndef WG_ARENA_H
#define WG_ARENA_H

#include <stddef.h>

typedef struct wg_arena_block_s wg_arena_block_t;

typedef struct wg_arena_s {
  wg_arena_block_t *head; /* the block allocations come from */
  size_t block_size;      /* size of a new block (0 picks a default) */
} wg_arena_t;

/* A point to roll back to, from wg_arena_mark(). */
typedef struct wg_arena_mark_s {
  wg_arena_block_t *block;
  size_t used;
} wg_arena_mark_t;

/* Returns @n bytes aligned for any type, or NULL when out of memory. */
void *wg_arena_alloc(wg_arena_t *a, size_t n);

/* Copies of strings, or NULL when out of memory (or @s is NULL). */
char *wg_arena_strdup(wg_arena_t *a, const char *s);
char *wg_arena_strndup(wg_arena_t *a, const char *s, size_t n);

wg_arena_mark_t wg_arena_mark(const wg_arena_t *a);

/* Frees everything allocated after @m was taken. */
void wg_arena_rollback(wg_arena_t *a, wg_arena_mark_t m);

/* Frees all allocations but keeps the first block for reuse. */
void wg_arena_reset(wg_arena_t *a);

/* Frees everything; the arena may be used again. */
void wg_arena_free(wg_arena_t *a);

#endif
