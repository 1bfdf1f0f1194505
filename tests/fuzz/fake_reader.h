/*
 * A PC/SC layer for fuzzing cardd (replaces cardd/reader.c at link
 * time): one reader holding one card whose ATR and every answer come
 * from the input, in order.  An empty answer is a card reset by another
 * program; once the input runs out the card is gone.
 */
#ifndef CARDAGENT_FAKE_READER_H
#define CARDAGENT_FAKE_READER_H

struct buf;

/* The card's script for the next cardd session; NULL: no card. */
void	fake_reader_script(struct buf *in);

#endif
