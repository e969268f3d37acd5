package io.keystep.challenge;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.keystep.events.Decision;
import io.keystep.events.Topics;
import io.keystep.testsupport.KafkaTestResource;
import io.keystep.testsupport.PostgresTestResource;
import io.keystep.testsupport.RedisTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;

/** Logins are decided concurrently, but one user's verdicts are decided in their order on the topic. */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(RedisTestResource.class)
@QuarkusTestResource(value = PostgresTestResource.class, initArgs = @ResourceArg(name = "database", value = "challenge"))
class LoginOrderTest {

    @Inject
    ObjectMapper mapper;

    @Test
    void oneUsersLoginsAreDecidedInTheirOrderWhileOtherUsersLoginsInterleave() throws Exception {
        String tenant = LoginThread.unique("t");
        String user = LoginThread.unique("user");
        List<String> logins = new ArrayList<>();
        List<String> others = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            String login = LoginThread.unique("login-" + i);
            logins.add(login);
            // Every other verdict is a challenge of a user without a phone: a PostgreSQL read before its decision.
            Decision decision = i % 2 == 0 ? Decision.ALLOW : Decision.CHALLENGE;
            LoginThread.publishRisk(mapper, tenant, user, login, decision, List.of());
            String other = LoginThread.unique("login-other");
            others.add(other);
            LoginThread.publishRisk(mapper, tenant, LoginThread.unique("user"), other, Decision.ALLOW, List.of());
        }

        List<ConsumerRecord<String, String>> decided = EventLog.await(Topics.LOGIN_DECISION, logins.size(),
                r -> Topics.key(tenant, user).equals(r.key()));
        List<String> order = new ArrayList<>();
        for (ConsumerRecord<String, String> r : decided) {
            order.add(mapper.readTree(r.value()).at("/payload/loginId").asText());
        }
        assertThat(order, contains(logins.toArray()));
        for (String other : others) {
            assertThat(EventLog.await(Topics.LOGIN_DECISION, 1, r -> r.value().contains(other)).size(), equalTo(1));
        }
    }
}
