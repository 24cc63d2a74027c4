/* SPDX-License-Identifier: MIT */
#include "common/arena.h"

#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

struct wg_arena_block_s {
  wg_arena_block_t *prev;
  size_t size;
  size_t used;
  alignas(max_align_t) unsigned char data[];
};

#define ARENA_DEFAULT_BLOCK (16 * 1024)
#define ALIGN_UP(n)                                                            \
  (((n) + alignof(max_align_t) - 1) & ~(alignof(max_align_t) - 1))

void *wg_arena_alloc(wg_arena_t *a, size_t n) {
  wg_arena_block_t *b = a->head;
  size_t need = ALIGN_UP(n ? n : 1);
  size_t size;

  if (need < n)
    return NULL;
  if (b == NULL || b->size - b->used < need) {
    size = a->block_size ? a->block_size : ARENA_DEFAULT_BLOCK;
    if (size < need)
      size = need;
    b = malloc(sizeof(*b) + size);
    if (b == NULL)
      return NULL;
    b->prev = a->head;
    b->size = size;
    b->used = 0;
    a->head = b;
  }
  b->used += need;
  return b->data + b->used - need;
}

char *wg_arena_strndup(wg_arena_t *a, const char *s, size_t n) {
  char *p;

  if (s == NULL)
    return NULL;
  p = wg_arena_alloc(a, n + 1);
  if (p == NULL)
    return NULL;
  memcpy(p, s, n);
  p[n] = '\0';
  return p;
}

char *wg_arena_strdup(wg_arena_t *a, const char *s) {
  return s ? wg_arena_strndup(a, s, strlen(s)) : NULL;
}

wg_arena_mark_t wg_arena_mark(const wg_arena_t *a) {
  wg_arena_mark_t m = {a->head, a->head ? a->head->used : 0};
  return m;
}

void wg_arena_rollback(wg_arena_t *a, wg_arena_mark_t m) {
  while (a->head != NULL && a->head != m.block) {
    wg_arena_block_t *prev = a->head->prev;
    free(a->head);
    a->head = prev;
  }
  if (a->head != NULL)
    a->head->used = m.used;
}

void wg_arena_reset(wg_arena_t *a) {
  wg_arena_block_t *first = a->head;

  if (first == NULL)
    return;
  while (first->prev != NULL)
    first = first->prev;
  wg_arena_mark_t m = {first, 0};
  wg_arena_rollback(a, m);
}

void wg_arena_free(wg_arena_t *a) {
  wg_arena_mark_t m = {NULL, 0};
  wg_arena_rollback(a, m);
}
