/*
 * fuzz_schedule - rate and cron expressions: either a clear reason or a
 * schedule whose next fire times only move forward.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../bridge/schedule.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct schedule s = SCHEDULE_INIT;
	char text[512], why[256];
	long long t = 1795400000, n;
	int i;

	if (size >= sizeof(text))
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (schedule_parse_rate(&s, text, why, sizeof(why)) < 0 &&
	    schedule_parse_cron(&s, text, why, sizeof(why)) < 0) {
		FUZZ_ASSERT(why[0] != '\0');
		return 0;
	}
	for (i = 0; i < 5; i++) {
		n = schedule_next(&s, t);
		if (n < 0)
			break;
		FUZZ_ASSERT(n > t);
		t = n;
	}
	return 0;
}
