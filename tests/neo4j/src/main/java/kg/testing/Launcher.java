package kg.testing;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

import org.neo4j.cli.AdminTool;
import org.neo4j.cli.ExecutionContext;
import org.neo4j.configuration.GraphDatabaseInternalSettings;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.ConnectorPortRegister;
import org.neo4j.configuration.connectors.ConnectorType;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.connectors.HttpsConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.config.Setting;
import org.neo4j.io.ByteUnit;
import org.neo4j.kernel.internal.GraphDatabaseAPI;

/**
 * A Neo4j Community DBMS for kg's tests (a test fixture only: kg itself is pure Python).
 *
 * <pre>
 *   java -cp CLASSPATH kg.testing.Launcher HOME [PAGECACHE_MB]
 * </pre>
 *
 * Starts an embedded DBMS in HOME with Bolt on a free 127.0.0.1 port (no TLS, no HTTP), authentication on, and
 * LOAD CSV reading from HOME/import. The password of user neo4j is set from the environment variable
 * KG_NEO4J_PASSWORD (at least 8 characters; never printed); without it authentication is off. When ready it prints
 * one line {@code READY <port> <neo4j version>}. Then it reads commands, one a line, from standard input:
 *
 * <ul>
 *   <li>{@code ADMIN<TAB>arg<TAB>arg...}: stop the DBMS, run {@code neo4j-admin} with those arguments (for example
 *       {@code database import full neo4j --nodes=...}) on HOME, start it again on the same port; answers
 *       {@code READY <port> <version>}, or {@code FAILED <exit code> <one line of output>} (started again).</li>
 * </ul>
 *
 * When standard input closes it stops the DBMS and exits 0.
 */
public final class Launcher {
    private final Path home;
    private final long pageCacheMb;
    private final String password;
    private DatabaseManagementService dbms;
    private int port;

    private Launcher(Path home, long pageCacheMb, String password) {
        this.home = home;
        this.pageCacheMb = pageCacheMb;
        this.password = password;
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: Launcher HOME [PAGECACHE_MB]");
            System.exit(64);
        }
        Path home = Path.of(args[0]).toAbsolutePath();
        long pageCache = args.length > 1 ? Long.parseLong(args[1]) : 128;
        String password = System.getenv("KG_NEO4J_PASSWORD");
        Launcher launcher = new Launcher(home, pageCache, password == null || password.isEmpty() ? null : password);
        Files.createDirectories(home.resolve("import"));
        try {
            launcher.start(0);
            if (launcher.password != null) {
                launcher.dbms.database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME).executeTransactionally(
                        "ALTER USER neo4j SET PASSWORD $password CHANGE NOT REQUIRED", Map.of("password", password));
            }
            launcher.ready();
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null) {
                if (line.startsWith("ADMIN\t")) {
                    String[] words = line.split("\t", -1);
                    launcher.runAdmin(Arrays.copyOfRange(words, 1, words.length));
                } else if (!line.isBlank()) {
                    System.out.println("FAILED 64 unknown command");
                    System.out.flush();
                }
            }
        } finally {
            launcher.stop();
        }
        System.exit(0);
    }

    private void start(int wantedPort) {
        Map<Setting<?>, Object> settings = new HashMap<>();
        settings.put(BoltConnector.enabled, true);
        settings.put(BoltConnector.listen_address, new SocketAddress("127.0.0.1", wantedPort));
        settings.put(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED);
        settings.put(HttpConnector.enabled, false);
        settings.put(HttpsConnector.enabled, false);
        settings.put(GraphDatabaseSettings.auth_enabled, password != null);
        settings.put(GraphDatabaseSettings.load_csv_file_url_root, home.resolve("import"));
        settings.put(GraphDatabaseSettings.pagecache_memory, ByteUnit.mebiBytes(pageCacheMb));
        // Bolt's event loops wait 5 s quiet + 5 s by default when stopping; a test server has nothing to drain
        settings.put(GraphDatabaseInternalSettings.netty_server_shutdown_quiet_period, 0);
        settings.put(GraphDatabaseInternalSettings.netty_server_shutdown_timeout, Duration.ofSeconds(1));
        dbms = new DatabaseManagementServiceBuilder(home).setConfig(settings).build();
        GraphDatabaseAPI system = (GraphDatabaseAPI) dbms.database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME);
        port = system.getDependencyResolver()
                .resolveDependency(ConnectorPortRegister.class)
                .getLocalAddress(ConnectorType.BOLT)
                .getPort();
    }

    private void stop() {
        if (dbms != null) {
            dbms.shutdown();
            dbms = null;
        }
    }

    private void ready() {
        System.out.println("READY " + port + " " + org.neo4j.kernel.internal.Version.getNeo4jVersion());
        System.out.flush();
    }

    private void runAdmin(String[] args) {
        int kept = port;
        stop();
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(captured, true, StandardCharsets.UTF_8);
        int code;
        try {
            Path conf = home.resolve("conf");
            Files.createDirectories(conf);
            ExecutionContext context = new ExecutionContext(home, conf, out, out,
                    new org.neo4j.io.fs.DefaultFileSystemAbstraction());
            code = AdminTool.execute(context, args);
        } catch (Exception e) {
            e.printStackTrace(out);
            code = 70;
        }
        start(kept);
        if (code == 0) {
            ready();
        } else {
            String text = captured.toString(StandardCharsets.UTF_8).strip().replaceAll("\\s+", " ");
            System.out.println("FAILED " + code + " " + (text.length() > 2000 ? text.substring(0, 2000) : text));
            System.out.flush();
        }
    }
}
