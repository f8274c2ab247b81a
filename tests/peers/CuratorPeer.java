// CuratorPeer - one Curator LeaderLatch participant for tests/interop.c.
//
//   java -cp CLASSPATH CuratorPeer HOSTS LATCH_PATH ID
//
// Prints one line per fact, each ending in System.nanoTime(), which is
// CLOCK_MONOTONIC on Linux, the clock the C side records with:
//   READY t | ELECTED t | REVOKED t | LEADER id t | PARTICIPANTS id,id,... t | CLOSED t
// Reads commands on stdin: "leader", "participants", "close" (stop leading,
// then close the latch, which deletes its node), "quit".
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.recipes.leader.LeaderLatchListener;
import org.apache.curator.framework.recipes.leader.Participant;
import org.apache.curator.retry.RetryOneTime;

public final class CuratorPeer {
    private static synchronized void say(String line) {
        System.out.println(line + " " + System.nanoTime());
        System.out.flush();
    }

    public static void main(String[] args) throws Exception {
        CuratorFramework client = CuratorFrameworkFactory.builder().connectString(args[0])
                .sessionTimeoutMs(4000).connectionTimeoutMs(10000).retryPolicy(new RetryOneTime(100)).build();
        client.start();
        LeaderLatch latch = new LeaderLatch(client, args[1], args[2]);
        latch.addListener(new LeaderLatchListener() {
            @Override public void isLeader() { say("ELECTED"); }
            @Override public void notLeader() { say("REVOKED"); }
        });
        latch.start();
        client.blockUntilConnected();
        say("READY");
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String cmd; (cmd = in.readLine()) != null && !cmd.equals("quit");) {
            if (cmd.equals("leader")) {
                Participant leader = latch.getLeader();
                say("LEADER " + (leader.isLeader() ? leader.getId() : "-"));
            } else if (cmd.equals("participants")) {
                List<String> ids = new ArrayList<>();
                for (Participant p : latch.getParticipants())
                    ids.add(p.getId());
                say("PARTICIPANTS " + String.join(",", ids));
            } else if (cmd.equals("close")) {
                // A host stops its leader's work before it lets go of the latch.
                if (latch.hasLeadership())
                    say("REVOKED");
                latch.close(LeaderLatch.CloseMode.SILENT);
                say("CLOSED");
            }
        }
        client.close();
    }
}
