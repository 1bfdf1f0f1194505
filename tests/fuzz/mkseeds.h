/* The seed writer's two halves (mkseeds.c, mkseeds_vcard.c). */
#ifndef CARDAGENT_MKSEEDS_H
#define CARDAGENT_MKSEEDS_H

#include <stddef.h>

struct buf;
struct vc;

/* A virtual card (tests/vcard) from its state file, in this process. */
struct vc *vc_open(const char *state);
void	vc_close(struct vc *vc);
int	vc_atr(struct vc *vc, struct buf *atr);
/* An iso_transmit_fn: the card's answer to apdu (data and SW). */
int	vc_transmit(void *vc, const struct buf *apdu, struct buf *resp);

#endif
