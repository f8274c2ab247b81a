/* process.c - a session belongs to the process that created it. After
 * fork() the child has a copy of the handle but none of the threads that
 * serve it, and its ZooKeeper session is the parent's: used there it would
 * join a second time with the same token, read the parent's event fd, or
 * answer zkelect_is_leader() from a copy of the parent's lease. So every
 * call on a handle first asks whether it runs in the process that created
 * it, and is refused (ZKELECT_ESTATE) in any other.
 *
 * The answer must cost nothing on the hot path (zkelect_is_leader()), and
 * getpid() is a system call. A page mapped with MADV_WIPEONFORK reads as
 * zeros in a child, so a mark written there at creation is there in the
 * creating process only. Where the kernel lacks it (before Linux 4.14) the
 * creator's pid is compared instead. */
#include "internal.h"

#include <sys/mman.h>
#include <unistd.h>

struct zke_process_mark {
    atomic_uint alive; /* 1 in the creating process; 0 in a child (the page is wiped) */
    bool wiped_on_fork;
    pid_t pid;
};

int zkelect__process_mark_new(zke_process_mark_t **out)
{
    long page = sysconf(_SC_PAGESIZE);
    size_t len = page > 0 ? (size_t)page : 4096;
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return ZKELECT_ENOMEM;
    zke_process_mark_t *m = p;
#ifdef MADV_WIPEONFORK
    m->wiped_on_fork = madvise(p, len, MADV_WIPEONFORK) == 0;
#endif
    m->pid = getpid();
    atomic_store(&m->alive, 1);
    *out = m;
    return ZKELECT_OK;
}

void zkelect__process_mark_free(zke_process_mark_t *m)
{
    long page = sysconf(_SC_PAGESIZE);
    if (m)
        munmap(m, page > 0 ? (size_t)page : 4096);
}

bool zkelect__in_creating_process(const zke_process_mark_t *m)
{
    if (atomic_load_explicit(&m->alive, memory_order_relaxed) != 1)
        return false;
    return m->wiped_on_fork || m->pid == getpid();
}

int zkelect__check_process(zke_session_t *s, struct zkelect *e, const char *what)
{
    if (zkelect__in_creating_process(s->process))
        return ZKELECT_OK;
    zkelect__log_about(s, e, ZKELECT_LOG_ERROR,
                       "%s: refused in process %ld: the handle belongs to process %ld, which created it (after "
                       "fork(), a child makes handles of its own)",
                       what, (long)getpid(), (long)s->process->pid);
    return ZKELECT_ESTATE;
}
