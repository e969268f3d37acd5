package io.keystep.deploy;

import io.keystep.events.BusAccess;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * The run command: starts the local stack, walks the demo, and keeps everything running until Ctrl-C or
 * {@code ./keystep stop}.
 */
public final class LocalRun {

    private LocalRun() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        List<String> options = List.of(args);
        Path root = Path.of(System.getProperty("keystep.root", ".")).toAbsolutePath().normalize();
        Path state = root.resolve(".local");
        Files.createDirectories(state);
        PrintStream out = System.out;

        out.println("Keystep local stack, from " + root);
        Secrets secrets = Secrets.loadOrCreate(state.resolve("secrets.env"));
        out.println("  secrets    " + state.resolve("secrets.env") + " (generated on first start)");
        LocalStack stack = LocalStack.start(root, StackPorts.defaults(), secrets, System.getenv(),
                state.resolve("logs"), out);
        Path kafkaClients = state.resolve("kafka");
        KafkaClientFiles.write(kafkaClients, stack.kafkaBootstrap(), stack.kafkaCredentials());

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            out.println("Stopping the services and servers...");
            stack.close();
            stopped.countDown();
        }));
        Path pidFile = state.resolve("stack.pid");
        Files.writeString(pidFile, Long.toString(ProcessHandle.current().pid()));
        pidFile.toFile().deleteOnExit();

        if (!options.contains("--no-demo")) {
            Demo.run(stack, out);
        }
        out.println();
        out.println("The stack is running. Swagger UI: " + stack.service("challenge-service").managementUrl()
                + "/q/swagger-ui");
        out.println("SMS sink: " + stack.smsSink().baseUrl() + "/   Stop with Ctrl-C or ./keystep stop");
        out.println("Push approvals reach a paired phone through the FCM and APNs stand-ins; a phone reads its own at "
                + stack.fcm().inboxUrl("<fcm token>") + " or " + stack.apns().inboxUrl("<apns token>"));
        out.println("Passkey demo: " + stack.demoGateway().url() + "/  (a demo gateway page: sign up, enroll a passkey,"
                + " log in with it)");
        out.println("Every API takes a bearer token. Mint one signed by this stack's local issuer with");
        out.println("  ./keystep token <gateway|worker|compliance|support|analyst|admin> [tenant, default " + Demo.TENANT
                + "] [minutes, default 60]");
        out.println("for example:");
        out.println("  curl -H \"Authorization: Bearer $(./keystep token compliance)\" '"
                + stack.service("audit-service").url() + "/v1/audit/events?limit=5'");
        out.println("Kafka takes only authenticated clients (SASL/SCRAM-SHA-512), each allowed its own topics. The");
        out.println("settings of a gateway, an SMS worker, a compliance reader and the operator are in " + kafkaClients
                + ":");
        out.println("  <principal>.properties for Java clients, <principal>.kcat.conf for kcat, for example");
        out.println("  kcat -F " + root.relativize(kafkaClients.resolve(BusAccess.GATEWAY + ".kcat.conf"))
                + " -C -t auth.decision.v1 -o beginning -e");
        out.println();
        out.println("Console: " + stack.service(LocalStack.CONSOLE).url() + "/  (sign in with a name, tenant " + Demo.TENANT
                + " and the roles to try: compliance searches and tails the trail, support finds users and lifts"
                + " lockouts, analyst sees conversion and cost, admin edits every service's settings)");
        stopped.await();
    }
}
