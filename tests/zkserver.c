/* zkserver.c - a real ZooKeeper on 127.0.0.1, started from the Debian
 * package: standalone or an ensemble of up to 5, for the tests, the demo
 * (through zk-local) and the benchmark alike. See zkserver.h. */
#include "zkserver.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int64_t clock_ns(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t mono_ns(void)
{
    return clock_ns(CLOCK_MONOTONIC);
}

int64_t boot_ns(void)
{
    return clock_ns(CLOCK_BOOTTIME);
}

void poll_pause(void)
{
    struct timespec ts = {0, 5 * 1000 * 1000};
    nanosleep(&ts, NULL);
}

/* ---------------------------------------------------------------- ports
 *
 * A server is given a port before its JVM binds it, so a port "free" by a
 * bind to 0 could be taken meanwhile: by another test program looking for
 * one at the same moment (the suite runs several at once), or by the source
 * port of any outgoing connection. So ports come from below the kernel's
 * ephemeral range, where no connection takes its source port, and each is
 * reserved by a lock on a file of its own, held until the process exits:
 * two test programs never take the same port, whatever they do meanwhile. */

#define PORT_LOCKS_DIR "zkelect-test-ports"
#define PORT_SPAN 8000

/* The first port of the kernel's ephemeral range (32768 if unknown). */
static int ephemeral_low(void)
{
    int low = 32768;
    FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");
    if (f) {
        if (fscanf(f, "%d", &low) != 1)
            low = 32768;
        fclose(f);
    }
    return low;
}

/* Nobody listens on port now (a JVM binds with SO_REUSEADDR: so do we). */
static bool bindable(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    bool ok = fd >= 0 && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0 &&
              bind(fd, (struct sockaddr *)&a, sizeof a) == 0;
    if (fd >= 0)
        close(fd);
    return ok;
}

/* Hold the lock of port for the rest of the process; false if another
 * process holds it. The descriptor stays open on purpose. */
static bool reserve(int port)
{
    char dir[300], path[340];
    snprintf(dir, sizeof dir, "%s/" PORT_LOCKS_DIR, getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    mkdir(dir, 01777);
    snprintf(path, sizeof path, "%s/%d", dir, port);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0)
        return false;
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        close(fd);
        return false;
    }
    return true;
}

static int free_port(void)
{
    int low = ephemeral_low();
    int first = low - PORT_SPAN > 1024 ? low - PORT_SPAN : 1024, span = low - first;
    if (span < 100)
        return -1;
    /* A start of its own for each process: fewer locks tried in vain. */
    int start = (int)((unsigned)getpid() * 2654435761u % (unsigned)span);
    for (int i = 0; i < span; i++) {
        int port = first + (start + i) % span;
        if (bindable(port) && reserve(port) && bindable(port))
            return port;
    }
    return -1;
}

/* -------------------------------------------------------------- server */

/* "ruok" -> "imok": the server is up and serving. */
/* Send a four-letter word, return the answer (NUL-terminated) or "". */
static void four_letter(int port, const char *word, char *out, size_t len)
{
    out[0] = '\0';
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    /* a server that is starting may answer without closing: never wait long */
    struct timeval limit = {.tv_sec = 1};
    if (fd >= 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0 && write(fd, word, 4) == 4) {
        size_t have = 0;
        ssize_t n;
        while (have + 1 < len && (n = read(fd, out + have, len - 1 - have)) > 0)
            have += (size_t)n;
        out[have] = '\0';
    }
    if (fd >= 0)
        close(fd);
}

/* Serving clients: "srvr" names a mode (standalone, leader, follower). */
static bool serving(int port)
{
    char answer[1024];
    four_letter(port, "srvr", answer, sizeof answer);
    return strstr(answer, "Mode: ") != NULL;
}

bool zk_server_is_leader(const zk_server_t *s)
{
    char answer[1024];
    four_letter(s->port, "srvr", answer, sizeof answer);
    return strstr(answer, "Mode: leader") != NULL || strstr(answer, "Mode: standalone") != NULL;
}

static int write_config(zk_server_t *s, int tick_ms, const char *extra)
{
    char path[300];
    snprintf(path, sizeof path, "%s/zoo.cfg", s->dir);
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fprintf(f,
            "tickTime=%d\n"
            "initLimit=10\n"
            "syncLimit=5\n"
            "dataDir=%s/data\n"
            "clientPort=%d\n"
            "clientPortAddress=127.0.0.1\n"
            "minSessionTimeout=%d\n"
            "maxSessionTimeout=%d\n"
            "maxClientCnxns=0\n"
            "admin.enableServer=false\n"
            "4lw.commands.whitelist=*\n"
            "jute.maxbuffer=1048575\n"
            "%s",
            tick_ms, s->dir, s->port, 2 * tick_ms, s->max_session_ms > 0 ? s->max_session_ms : 600000,
            extra ? extra : "");
    return fclose(f);
}

/* The JVM's flags: ZK_JAVA_OPTS when set (the benchmarks set it empty, for
 * the server as Debian runs it), else a small heap and the quick JIT, to
 * start fast. At most 16 words. */
static int java_options(char *buf, size_t len, char **words, int max)
{
    const char *opts = getenv("ZK_JAVA_OPTS");
    snprintf(buf, len, "%s", opts ? opts : "-Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1");
    int n = 0;
    for (char *save = NULL, *w = strtok_r(buf, " \t", &save); w && n < max; w = strtok_r(NULL, " \t", &save))
        words[n++] = w;
    return n;
}

/* Debian's server and, for TLS (Netty), every netty jar: netty-all.jar
 * alone lacks the codec classes. */
static char *class_path(const zk_server_t *s, char *buf, size_t len)
{
    snprintf(buf, len, "/etc/zookeeper/conf:/usr/share/java/zookeeper.jar");
    if (!s->secure_port)
        return buf;
    glob_t jars;
    if (glob("/usr/share/java/netty-*.jar", 0, NULL, &jars) == 0) {
        for (size_t i = 0; i < jars.gl_pathc; i++) {
            const char *jar = jars.gl_pathv[i];
            if (strstr(jar, ".Final.jar"))
                continue; /* the versioned names are the same files */
            size_t used = strlen(buf);
            snprintf(buf + used, len - used, ":%s", jar);
        }
        globfree(&jars);
    }
    return buf;
}

static void exec_server(const zk_server_t *s)
{
    char cfg[300], log[300], log_dir[300];
    snprintf(cfg, sizeof cfg, "%s/zoo.cfg", s->dir);
    snprintf(log, sizeof log, "%s/server.log", s->dir);
    snprintf(log_dir, sizeof log_dir, "-Dzookeeper.log.dir=%s", s->dir);
    /* A test's server dies with the test; zk-local's outlives zk-local. */
    if (!s->detached)
        prctl(PR_SET_PDEATHSIG, SIGKILL);
    int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
        dup2(fd, 1);
        dup2(fd, 2);
        close(fd);
    }
    const char *java = getenv("JAVA") ? getenv("JAVA") : "java";
    char opts[512], *argv[32], jaas[300], classpath[4096];
    int argc = 0;
    argv[argc++] = (char *)java;
    argc += java_options(opts, sizeof opts, argv + argc, 16);
    argv[argc++] = log_dir;
    if (s->jaas[0]) {
        snprintf(jaas, sizeof jaas, "-Djava.security.auth.login.config=%s", s->jaas);
        argv[argc++] = jaas;
    }
    argv[argc++] = "-cp";
    argv[argc++] = class_path(s, classpath, sizeof classpath);
    argv[argc++] = "org.apache.zookeeper.server.quorum.QuorumPeerMain";
    argv[argc++] = cfg;
    argv[argc] = NULL;
    execvp(java, argv);
    _exit(127);
}

static int spawn_server(zk_server_t *s)
{
    s->pid = fork();
    if (s->pid < 0)
        return -1;
    if (s->pid == 0)
        exec_server(s);
    return 0;
}

static int wait_serving(zk_server_t *s, int timeout_s)
{
    int64_t deadline = mono_ns() + timeout_s * (int64_t)1000000000;
    while (mono_ns() < deadline) {
        if (serving(s->port))
            return 0;
        if (waitpid(s->pid, NULL, WNOHANG) == s->pid) {
            fprintf(stderr, "zookeeper exited at start; see %s/server.log\n", s->dir);
            s->pid = 0;
            return -1;
        }
        poll_pause();
    }
    fprintf(stderr, "zookeeper did not serve within %d s; see %s/server.log\n", timeout_s, s->dir);
    return -1;
}

/* Its port (port, or a free one) and its data directory, in s->dir. */
static int prepare_in(zk_server_t *s, int port)
{
    s->port = port > 0 ? port : free_port();
    snprintf(s->hosts, sizeof s->hosts, "127.0.0.1:%d", s->port);
    char data[300];
    snprintf(data, sizeof data, "%s/data", s->dir);
    return s->port < 0 || mkdir(data, 0755) ? -1 : 0;
}

/* The same in a fresh temporary directory. */
static int prepare(zk_server_t *s, int port)
{
    int max_session_ms = s->max_session_ms; /* the one setting given before the start */
    memset(s, 0, sizeof *s);
    s->max_session_ms = max_session_ms;
    snprintf(s->dir, sizeof s->dir, "%s/zkelect-test-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(s->dir))
        return -1;
    return prepare_in(s, port);
}

int zk_server_start_on(zk_server_t *s, int tick_ms, int port)
{
    if (prepare(s, port) || write_config(s, tick_ms, NULL) || spawn_server(s))
        return -1;
    if (wait_serving(s, 60)) {
        zk_server_stop(s);
        return -1;
    }
    return 0;
}

int zk_server_start_secure(zk_server_t *s, int tick_ms, const char *tls_config, const char *jaas)
{
    if (prepare(s, 0))
        return -1;
    s->secure_port = free_port();
    snprintf(s->secure_hosts, sizeof s->secure_hosts, "127.0.0.1:%d", s->secure_port);
    snprintf(s->jaas, sizeof s->jaas, "%s", jaas ? jaas : "");
    char extra[2048];
    snprintf(extra, sizeof extra,
             "serverCnxnFactory=org.apache.zookeeper.server.NettyServerCnxnFactory\n"
             "secureClientPort=%d\n"
             "secureClientPortAddress=127.0.0.1\n"
             "%s%s",
             s->secure_port, jaas ? "authProvider.1=org.apache.zookeeper.server.auth.SASLAuthenticationProvider\n" : "",
             tls_config ? tls_config : "");
    if (s->secure_port < 0 || write_config(s, tick_ms, extra) || spawn_server(s))
        return -1;
    if (wait_serving(s, 60)) {
        zk_server_stop(s);
        return -1;
    }
    return 0;
}

int zk_server_start(zk_server_t *s, int tick_ms)
{
    return zk_server_start_on(s, tick_ms, 0);
}

int zk_server_start_detached(zk_server_t *s, const char *dir, int tick_ms, int max_session_ms)
{
    memset(s, 0, sizeof *s);
    snprintf(s->dir, sizeof s->dir, "%s", dir);
    s->detached = true;
    s->max_session_ms = max_session_ms;
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        return -1;
    if (prepare_in(s, 0) || write_config(s, tick_ms, NULL) || spawn_server(s))
        return -1;
    if (wait_serving(s, 60)) {
        zk_server_kill(s);
        return -1;
    }
    return 0;
}

int zk_free_port(void)
{
    return free_port();
}

void zk_server_kill(zk_server_t *s)
{
    if (s->pid > 0) {
        kill(s->pid, SIGCONT);
        kill(s->pid, SIGKILL);
        waitpid(s->pid, NULL, 0);
        s->pid = 0;
    }
}

int zk_server_restart(zk_server_t *s, bool wait)
{
    zk_server_kill(s);
    if (spawn_server(s))
        return -1;
    return wait ? wait_serving(s, 60) : 0;
}

int zk_server_rebuild_empty(zk_server_t *s)
{
    zk_server_kill(s);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s/data/version-2'", s->dir);
    if (system(cmd) != 0)
        return -1;
    if (spawn_server(s))
        return -1;
    return wait_serving(s, 60);
}

bool zk_server_serving(const zk_server_t *s)
{
    return s->pid > 0 && serving(s->port);
}

long zk_server_digest_mismatches(const zk_server_t *s)
{
    enum { MNTR_MAX = 64 * 1024 }; /* a leader's mntr runs to some 20 KiB */
    char *answer = s->pid > 0 ? malloc(MNTR_MAX) : NULL;
    if (!answer)
        return -1;
    four_letter(s->port, "mntr", answer, MNTR_MAX);
    const char *at = strstr(answer, "zk_digest_mismatches_count");
    long count = at ? strtol(at + strlen("zk_digest_mismatches_count"), NULL, 10) : -1;
    free(answer);
    return count;
}

int zk_server_wait_serving(zk_server_t *s)
{
    return wait_serving(s, 60);
}

int zk_ensemble_start_n(zk_ensemble_t *ens, int members, int tick_ms)
{
    memset(ens, 0, sizeof *ens);
    if (members < 1 || members > ZK_ENSEMBLE_MAX)
        return -1;
    ens->n = members;
    int peer[ZK_ENSEMBLE_MAX], election[ZK_ENSEMBLE_MAX];
    char servers[1024] = "";
    for (int i = 0; i < ens->n; i++) {
        if (prepare(&ens->member[i], 0))
            return -1;
        peer[i] = free_port();
        election[i] = free_port();
    }
    for (int i = 0; i < ens->n; i++) {
        size_t used = strlen(servers);
        snprintf(servers + used, sizeof servers - used, "server.%d=127.0.0.1:%d:%d\n", i + 1, peer[i],
                 election[i]);
    }
    for (int i = 0; i < ens->n; i++) {
        zk_server_t *s = &ens->member[i];
        char myid[300];
        snprintf(myid, sizeof myid, "%s/data/myid", s->dir);
        FILE *f = fopen(myid, "w");
        if (!f)
            return -1;
        fprintf(f, "%d\n", i + 1);
        fclose(f);
        if (write_config(s, tick_ms, servers) || spawn_server(s))
            return -1;
        size_t used = strlen(ens->hosts);
        snprintf(ens->hosts + used, sizeof ens->hosts - used, "%s%s", i ? "," : "", s->hosts);
    }
    for (int i = 0; i < ens->n; i++) {
        if (wait_serving(&ens->member[i], 90)) {
            zk_ensemble_stop(ens);
            return -1;
        }
    }
    return 0;
}

int zk_ensemble_start(zk_ensemble_t *ens, int tick_ms)
{
    return zk_ensemble_start_n(ens, ZK_ENSEMBLE, tick_ms);
}

void zk_ensemble_stop(zk_ensemble_t *ens)
{
    for (int i = 0; i < ens->n; i++)
        zk_server_stop(&ens->member[i]);
}

int zk_ensemble_leader(zk_ensemble_t *ens)
{
    for (int i = 0; i < ens->n; i++) {
        if (ens->member[i].pid > 0 && zk_server_is_leader(&ens->member[i]))
            return i;
    }
    return -1;
}

void zk_server_pause(zk_server_t *s, bool paused)
{
    if (s->pid > 0)
        kill(s->pid, paused ? SIGSTOP : SIGCONT);
}

void zk_server_stop(zk_server_t *s)
{
    zk_server_kill(s);
    if (s->dir[0] && !getenv("ZKELECT_TEST_KEEP")) {
        char cmd[300];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", s->dir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", s->dir);
        s->dir[0] = '\0';
    }
}

