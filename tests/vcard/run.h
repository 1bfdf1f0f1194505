/*
 * "vcard run": serve the card to vpcd and the control socket from one
 * single-threaded poll loop.
 */
#ifndef VCARD_RUN_H
#define VCARD_RUN_H

struct run_opts {
	const char	*state_path;
	const char	*ctl_path;
	int		 port;
	int		 touch_delay_ms;	/* 0: wait for "ctl touch" */
	int		 hostile;		/* enum hostile_mode */
};

int	vcard_run(const struct run_opts *opts);

#endif
