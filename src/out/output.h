/* output.h - where a capture file goes: a path or "-" (stdout).
 *
 * Files are created with mode 0600 (they will hold TLS secrets); an
 * existing regular file that is overwritten is set to 0600 too. */
#ifndef TLSDUMP_OUTPUT_H
#define TLSDUMP_OUTPUT_H

/* Returns an fd (the caller owns it) or -errno after printing one line
 * naming the file and the reason. */
int output_open(const char *path);
/* True when -errno from a write means the disk (or quota) is full. */
int output_is_disk_full(int err);

#endif
