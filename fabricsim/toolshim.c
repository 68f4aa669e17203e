/*
 * fabricsim stand-in tool: prints what the simulator's live model renders for this tool.
 *
 * One program for every tool; each <root>/usr/sbin/<tool> is a copy of it, so that
 * /proc/self/exe names both the tool and the simulator root whose daemon it asks, over
 * <root>/run/fabricsim/control.sock. The request is "TOOL\n" and the tool name and each
 * argument NUL-terminated; the answer is "OK <rc> <delay ms> <stdout bytes> <stderr bytes>\n"
 * and the bytes, or "ERR <text>\n". A C program, because the real tools are: a run costs a
 * few milliseconds, as theirs does, not the start of an interpreter.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static const char *tool = "fabricsim-tool";

static int fail(const char *what, const char *detail)
{
    fprintf(stderr, "%s: %s%s%s\n", tool, what, detail ? ": " : "", detail ? detail : "");
    return 127;
}

static int send_all(int fd, const char *data, size_t length)
{
    while (length > 0) {
        ssize_t sent = send(fd, data, length, MSG_NOSIGNAL);
        if (sent < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        data += sent;
        length -= (size_t)sent;
    }
    return 0;
}

static int write_all(int fd, const char *data, size_t length)
{
    while (length > 0) {
        ssize_t written = write(fd, data, length);
        if (written < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        data += written;
        length -= (size_t)written;
    }
    return 0;
}

int main(int argc, char **argv)
{
    static char exe[PATH_MAX];
    ssize_t length = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (length <= 0)
        return fail("cannot find myself", strerror(errno));
    exe[length] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash == NULL)
        return fail("cannot find myself", exe);
    tool = slash + 1;
    *slash = '\0';                      /* exe is now <root>/usr/sbin */
    size_t dir_length = strlen(exe);
    const char *sbin = "/usr/sbin";
    if (dir_length < strlen(sbin) || strcmp(exe + dir_length - strlen(sbin), sbin) != 0)
        return fail("not installed under <root>/usr/sbin", exe);
    exe[dir_length - strlen(sbin)] = '\0';

    struct sockaddr_un address = {.sun_family = AF_UNIX};
    if ((size_t)snprintf(address.sun_path, sizeof address.sun_path, "%s/run/fabricsim/control.sock", exe)
        >= sizeof address.sun_path)
        return fail("the simulator's socket path is too long", exe);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&address, sizeof address) < 0)
        return fail("fabricsim is not running", strerror(errno));
    if (send_all(fd, "TOOL\n", 5) < 0 || send_all(fd, tool, strlen(tool) + 1) < 0)
        return fail("cannot ask fabricsim", strerror(errno));
    for (int number = 1; number < argc; number++)
        if (send_all(fd, argv[number], strlen(argv[number]) + 1) < 0)
            return fail("cannot ask fabricsim", strerror(errno));
    shutdown(fd, SHUT_WR);

    size_t size = 0, capacity = 1 << 16;
    char *answer = malloc(capacity);
    for (;;) {
        if (answer == NULL)
            return fail("out of memory", NULL);
        if (size == capacity) {
            capacity *= 2;
            answer = realloc(answer, capacity);
            continue;
        }
        ssize_t got = recv(fd, answer + size, capacity - size, 0);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return fail("no answer from fabricsim", strerror(errno));
        if (got == 0)
            break;
        size += (size_t)got;
    }
    close(fd);
    char *end = memchr(answer, '\n', size);
    if (end == NULL)
        return fail("garbled answer from fabricsim", NULL);
    *end = '\0';
    if (strncmp(answer, "ERR ", 4) == 0)
        return fail(answer + 4, NULL);
    int rc;
    long delay_ms;
    size_t out_length, err_length;
    if (sscanf(answer, "OK %d %ld %zu %zu", &rc, &delay_ms, &out_length, &err_length) != 4
        || (size_t)(end + 1 - answer) + out_length + err_length != size)
        return fail("garbled answer from fabricsim", answer);
    if (delay_ms > 0) {                 /* a "timeout" fault: hang as a stuck tool does */
        struct timespec pause = {delay_ms / 1000, (delay_ms % 1000) * 1000000L};
        while (nanosleep(&pause, &pause) < 0 && errno == EINTR)
            ;
    }
    if (write_all(STDOUT_FILENO, end + 1, out_length) < 0 ||
        write_all(STDERR_FILENO, end + 1 + out_length, err_length) < 0)
        return 127;
    return rc;
}
