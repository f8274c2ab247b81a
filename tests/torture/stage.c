/* stage.c - what the stage gives the play (nemesis.c) and the run: the
 * seeded random numbers that make a run replayable, and the processes on
 * it, started, reaped and told apart by who leads. */
#include "orchestra.h"
#include "spawn.h"

#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

uint64_t stage_random(stage_t *s, uint64_t n)
{
    /* splitmix64: the seed replays the same faults */
    uint64_t z = (s->rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    return n ? z % n : 0;
}

void stage_start_slot(stage_t *s, slot_t *slot)
{
    slot->gen++;
    snprintf(slot->id, sizeof slot->id, "%sg%d", slot->name, slot->gen);
    char log[600], err[600], store[600], timeout[16], timeout_s[16];
    snprintf(log, sizeof log, "%s/%s.log", s->dir, slot->id);
    snprintf(err, sizeof err, "%s/%s.err", s->dir, slot->id);
    snprintf(store, sizeof store, "%s/store.sock", s->dir);
    snprintf(timeout, sizeof timeout, "%d", s->session_timeout_ms);
    snprintf(timeout_s, sizeof timeout_s, "%d", s->session_timeout_ms);
    char priority[16];
    snprintf(priority, sizeof priority, "%d", slot->priority);
    if (slot->run) {
        /* --connect-timeout: one started while the whole ensemble is down
         * waits for it, as a unit restarted by systemd would */
        char *argv[26] = {s->zkelect_bin, "run", "--zk", slot->hosts, "--path", s->path, "--id", slot->id,
                          "--session-timeout", timeout_s, "--grace", "0.5", "--stop-timeout", "2",
                          "--connect-timeout", "60s"};
        int n = 16;
        if (s->priorities) {
            /* the highest priority, and it takes the lead back after 2 s */
            char *more[] = {"--priority", priority, "--preempt-delay", "2s"};
            for (size_t i = 0; i < sizeof more / sizeof more[0]; i++)
                argv[n++] = more[i];
        }
        char *command[] = {"--", (char *)s->self, "writer", store, NULL};
        for (size_t i = 0; i < sizeof command / sizeof command[0]; i++)
            argv[n++] = command[i];
        slot->pid = spawn_to_file(err, (const char *const *)argv, NULL, SPAWN_OWN_GROUP);
    } else {
        char *argv[] = {(char *)s->self, "participant", "--id", slot->id, "--zk", slot->hosts, "--zk-direct",
                        s->ens.hosts, "--path", s->path, "--store", store, "--timeout", timeout, "--log", log,
                        "--dispatch", slot->manual ? "manual" : "thread", "--session",
                        slot->shared ? "shared" : "own", "--policy", slot->lease ? "lease" : "strict",
                        "--weaken", slot->weaken ? "yes" : "no", "--priority", priority, NULL};
        sigset_t commands, before;
        torture_command_signals(&commands);
        pthread_sigmask(SIG_BLOCK, &commands, &before);
        slot->pid = spawn_to_file(err, (const char *const *)argv, NULL, SPAWN_OWN_GROUP);
        pthread_sigmask(SIG_SETMASK, &before, NULL);
    }
    slot->paused = slot->left = slot->killed = false;
    torture_record(s->log, "P %" PRId64 " %s %d %s started 0", torture_now(), slot->name, (int)slot->pid, slot->id);
}

void stage_reap(stage_t *s)
{
    for (int i = 0; i < s->n_slots; i++) {
        slot_t *slot = &s->slots[i];
        int status;
        if (slot->pid <= 0 || waitpid(slot->pid, &status, WNOHANG) != slot->pid)
            continue;
        int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        torture_record(s->log, "P %" PRId64 " %s %d %s exited %d", torture_now(), slot->name, (int)slot->pid,
                       slot->id, code);
        if (code != 0 && !slot->killed) {
            fprintf(stderr, "torture: %s (pid %d) exited with status %d; see %s/%s.err\n", slot->id,
                    (int)slot->pid, code, s->dir, slot->id);
            s->process_failures++;
        }
        slot->pid = 0;
    }
}

slot_t *stage_leader_slot(stage_t *s)
{
    char id[64];
    if (zkelect_get_leader(s->watcher, id, sizeof id) != ZKELECT_OK)
        return NULL;
    for (int i = 0; i < s->n_slots; i++)
        if (s->slots[i].pid > 0 && strcmp(s->slots[i].id, id) == 0)
            return &s->slots[i];
    return NULL;
}
