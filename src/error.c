/* error.c - the error table and the names of events and reasons. */
#include "internal.h"

const char *zkelect_strerror(int err)
{
    switch (err) {
#define ZKELECT_ERROR_TEXT(name, value, text) \
    case (value):                             \
        return (text);
        ZKELECT_ERRNO_MAP(ZKELECT_ERROR_TEXT)
#undef ZKELECT_ERROR_TEXT
    default:
        return "unknown error";
    }
}

const char *zkelect_event_name(int type)
{
    switch (type) {
    case ZKELECT_EV_ELECTED:
        return "ELECTED";
    case ZKELECT_EV_REVOKED:
        return "REVOKED";
    case ZKELECT_EV_ERROR:
        return "ERROR";
    case ZKELECT_EV_JOINED:
        return "JOINED";
    case ZKELECT_EV_LEADER:
        return "LEADER";
    case ZKELECT_EV_PARTICIPANTS:
        return "PARTICIPANTS";
    case ZKELECT_EV_PLACE:
        return "PLACE";
    case ZKELECT_EV_STOP_NOW:
        return "STOP_NOW";
    case ZKELECT_EV_STEP_DOWN:
        return "STEP_DOWN";
    default:
        return "UNKNOWN";
    }
}

const char *zkelect_reason_name(int reason)
{
    switch (reason) {
    case ZKELECT_REASON_NONE:
        return "none";
    case ZKELECT_REASON_RESIGNED:
        return "resigned";
    case ZKELECT_REASON_SUSPENDED:
        return "connection suspended";
    case ZKELECT_REASON_EXPIRED:
        return "session expired";
    case ZKELECT_REASON_NODE_DELETED:
        return "node deleted";
    case ZKELECT_REASON_CLOSED:
        return "closed";
    case ZKELECT_REASON_LEASE_EXPIRED:
        return "lease expired";
    case ZKELECT_REASON_AUTH_FAILED:
        return "authentication failed";
    case ZKELECT_REASON_PREEMPTED:
        return "preempted";
    case ZKELECT_REASON_NODE_CHANGED:
        return "node changed by someone else";
    case ZKELECT_REASON_LEFT:
        return "left";
    default:
        return "unknown";
    }
}

bool zkelect__transient(int rc)
{
    return rc == ZCONNECTIONLOSS || rc == ZOPERATIONTIMEOUT || rc == ZSESSIONEXPIRED || rc == ZSESSIONMOVED ||
           rc == ZINVALIDSTATE || rc == ZCLOSING || rc == ZSSLCONNECTIONERROR; /* a TLS handshake that failed */
}

/* ZooKeeper's return codes, folded into ours. */
int zkelect__from_zk_error(int rc)
{
    switch (rc) {
    case ZOK:
        return ZKELECT_OK;
    case ZNOAUTH:
    case ZAUTHFAILED:
    case ZINVALIDACL:
        return ZKELECT_EAUTH;
    case ZCONNECTIONLOSS:
    case ZOPERATIONTIMEOUT:
    case ZSESSIONEXPIRED:
    case ZINVALIDSTATE:
    case ZCLOSING:
        return ZKELECT_ENOTCONN;
    case ZBADARGUMENTS:
        return ZKELECT_EINVAL;
    case ZSYSTEMERROR:
        return ZKELECT_ESYS;
    default:
        return ZKELECT_EZK;
    }
}
