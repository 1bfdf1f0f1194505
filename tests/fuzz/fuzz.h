/*
 * Shared by the fuzz harnesses (tests/fuzz/README.md): the libFuzzer
 * entry points, and a cursor that splits one input into the pieces a
 * harness needs (a byte, a length-prefixed chunk).  Once the input runs
 * out every getter yields zero or an empty chunk, so any prefix of a
 * valid input is valid too.
 */
#ifndef CARDAGENT_FUZZ_H
#define CARDAGENT_FUZZ_H

#include <stddef.h>
#include <stdint.h>

struct buf;

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int	LLVMFuzzerInitialize(int *argc, char ***argv);

/* Logging off: a harness must not spend its time formatting lines. */
void	fuzz_quiet(void);

uint8_t	fuzz_u8(struct buf *in);
uint16_t fuzz_u16(struct buf *in);
/* A chunk: u16 big-endian length, then that many bytes (fewer if the
 * input ends first).  *p points into the input. */
void	fuzz_chunk(struct buf *in, const uint8_t **p, size_t *len);

#endif
