/*
 * libFuzzer harness for the helper's plan parser (helpers/plan.c), the one
 * piece of the helper that reads bytes it did not make. scripts/fuzz.mjs
 * builds it with clang -fsanitize=fuzzer,address,undefined and runs it on
 * fuzz/corpus/plan/ (real plans, written by src/system/plan.ts) with the
 * record names of fuzz/plan.dict.
 *
 * Besides "no crash, no leak, no undefined behaviour" (the sanitizers), each
 * input checks what the helper relies on:
 *   - a refusal is one line of text (helper.c prints it as `Error: ...`);
 *   - an accepted plan has in-range kinds and field counts, NUL-terminated
 *     fields without NUL bytes, and writes back (in the format of plan.h) to
 *     bytes that parse again to the same plan: the parser reads the format
 *     plan.h describes and nothing besides.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../helpers/plan.h"

static void check(int ok, const char *what) {
  if (!ok) {
    fprintf(stderr, "plan-fuzz: %s\n", what);
    abort();
  }
}

/* The plan written back in the format of plan.h; the caller frees it. */
static char *write_plan(const struct plan *p, size_t *len) {
  size_t cap = 64, n = 0;
  for (size_t i = 0; i < p->nrecords; i++) {
    cap += 64;
    for (size_t f = 0; f < p->records[i].nfields; f++)
      cap += strlen(p->records[i].fields[f]) + 24;
  }
  char *out = malloc(cap);
  check(out != NULL, "out of memory");
  n += (size_t)snprintf(out + n, cap - n, "burrow-plan %d\n", PLAN_VERSION);
  for (size_t i = 0; i < p->nrecords; i++) {
    const struct record *r = &p->records[i];
    n += (size_t)snprintf(out + n, cap - n, "%s %zu\n", plan_record_name(r->kind), r->nfields);
    for (size_t f = 0; f < r->nfields; f++) {
      size_t flen = strlen(r->fields[f]);
      n += (size_t)snprintf(out + n, cap - n, "%zu:", flen);
      memcpy(out + n, r->fields[f], flen);
      n += flen;
      out[n++] = '\n';
    }
  }
  n += (size_t)snprintf(out + n, cap - n, "end 0\n");
  check(n < cap, "written plan overran its buffer");
  *len = n;
  return out;
}

static int same_plan(const struct plan *a, const struct plan *b) {
  if (a->nrecords != b->nrecords)
    return 0;
  for (size_t i = 0; i < a->nrecords; i++) {
    const struct record *x = &a->records[i], *y = &b->records[i];
    if (x->kind != y->kind || x->nfields != y->nfields)
      return 0;
    for (size_t f = 0; f < x->nfields; f++)
      if (strcmp(x->fields[f], y->fields[f]) != 0)
        return 0;
  }
  return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct plan plan;
  char err[1024];
  err[0] = '\0';
  if (plan_parse((const char *)data, size, &plan, err, sizeof(err)) < 0) {
    check(err[0] != '\0', "refused without a message");
    check(strchr(err, '\n') == NULL, "a refusal's message spans lines");
    check(plan.records == NULL && plan.nrecords == 0, "a refused plan keeps records");
    return 0;
  }
  check(plan.nrecords > 0, "a plan without records accepted (it needs exec or pause)");
  for (size_t i = 0; i < plan.nrecords; i++) {
    const struct record *r = &plan.records[i];
    check(r->kind < R_KIND_COUNT, "a record kind out of range");
    check(r->fields[r->nfields] == NULL, "fields not NULL-terminated");
    check(strcmp(plan_record_name(r->kind), "?") != 0, "a record without a name");
    check(plan_find(&plan, r->kind) <= r, "plan_find missed a record");
    (void)plan_is_child_step(r);
  }
  size_t len;
  char *again = write_plan(&plan, &len);
  struct plan reparsed;
  check(plan_parse(again, len, &reparsed, err, sizeof(err)) == 0, "an accepted plan, written back, is refused");
  check(same_plan(&plan, &reparsed), "an accepted plan, written back, parses differently");
  /* The input was canonical unless it differs from what is written back: both must mean the same. */
  plan_free(&reparsed);
  free(again);
  plan_free(&plan);
  check(plan.records == NULL && plan.nrecords == 0, "plan_free left records");
  return 0;
}
