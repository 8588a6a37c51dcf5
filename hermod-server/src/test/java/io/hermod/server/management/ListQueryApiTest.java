package io.hermod.server.management;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.rabbitmq.client.Channel;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** RabbitMQ's paging, name filter and sort parameters on the list endpoints, over HTTP against a running server. */
@Timeout(60)
class ListQueryApiTest {

    @RegisterExtension
    final ManagementFixture server = new ManagementFixture();

    Channel amqp;

    /** q-000 to q-249, plus two whose names differ only in case. */
    @BeforeEach
    void declareQueues() throws Exception {
        amqp = server.connect("list-test").createChannel();
        for (int i = 0; i < 250; i++) {
            amqp.queueDeclare("q-%03d".formatted(i), false, false, false, null);
        }
        amqp.queueDeclare("Orders.EU", false, false, false, null);
        amqp.queueDeclare("orders.us", false, false, false, null);
    }

    private static List<String> names(JsonNode items) {
        List<String> out = new ArrayList<>();
        items.forEach(item -> out.add(item.get("name").asText()));
        return out;
    }

    @Test
    void a_page_holds_page_size_items_and_the_counts() {
        ManagementFixture.Reply reply = server.get("/api/queues?page=2&page_size=100");

        assertThat(reply.status()).isEqualTo(200);
        JsonNode body = reply.json();
        assertThat(body.isObject()).isTrue();
        assertThat(body.get("page").asInt()).isEqualTo(2);
        assertThat(body.get("page_size").asInt()).isEqualTo(100);
        assertThat(body.get("page_count").asInt()).isEqualTo(3);
        assertThat(body.get("total_count").asInt()).isEqualTo(252);
        assertThat(body.get("filtered_count").asInt()).isEqualTo(252);
        assertThat(body.get("item_count").asInt()).isEqualTo(100);
        // the resource's order, by name: "Orders.EU" and "orders.us" come before q-000
        assertThat(names(body.get("items")).getFirst()).isEqualTo("q-098");
        assertThat(names(body.get("items")).getLast()).isEqualTo("q-197");
    }

    @Test
    void the_last_page_holds_the_rest_and_page_size_defaults_to_100() {
        JsonNode body = server.get("/api/queues/%2F?page=3").json();

        assertThat(body.get("page_size").asInt()).isEqualTo(100);
        assertThat(body.get("item_count").asInt()).isEqualTo(52);
        assertThat(names(body.get("items"))).endsWith("q-248", "q-249");
    }

    @Test
    void name_filters_by_case_insensitive_substring_before_paging() {
        JsonNode body = server.get("/api/queues?page=1&page_size=2&name=ORDERS").json();

        assertThat(names(body.get("items"))).containsExactly("Orders.EU", "orders.us");
        assertThat(body.get("filtered_count").asInt()).isEqualTo(2);
        assertThat(body.get("total_count").asInt()).isEqualTo(252);
        assertThat(body.get("page_count").asInt()).isEqualTo(1);

        JsonNode second = server.get("/api/queues?page=2&page_size=5&name=q-24").json();
        assertThat(names(second.get("items"))).containsExactly("q-245", "q-246", "q-247", "q-248", "q-249");
        assertThat(second.get("filtered_count").asInt()).isEqualTo(10);
    }

    @Test
    void use_regex_makes_name_a_regular_expression_found_anywhere() {
        JsonNode body = server.get("/api/queues?page=1&name=%5Eq-1%5B0-2%5D0%24&use_regex=true")
                .json(); // ^q-1[0-2]0$

        assertThat(names(body.get("items"))).containsExactly("q-100", "q-110", "q-120");
        assertThat(names(server.get("/api/queues?page=1&name=s%5C.u&use_regex=true")
                        .json()
                        .get("items")))
                .containsExactly("orders.us");
        // a regular expression is case-sensitive, as in RabbitMQ
        assertThat(server.get("/api/queues?page=1&name=%5Eorders&use_regex=true")
                        .json()
                        .get("filtered_count")
                        .asInt())
                .isEqualTo(1);
    }

    @Test
    void a_filter_matching_nothing_gives_an_empty_first_page() {
        JsonNode body = server.get("/api/queues?page=1&name=nothing-like-this").json();

        assertThat(body.get("items").isArray()).isTrue();
        assertThat(body.get("items")).isEmpty();
        assertThat(body.get("item_count").asInt()).isZero();
        assertThat(body.get("filtered_count").asInt()).isZero();
        assertThat(body.get("page_count").asInt()).isZero();
    }

    @Test
    void sort_and_sort_reverse_order_the_items_by_a_field() {
        JsonNode body = server.get("/api/queues?page=1&page_size=3&sort=name&sort_reverse=true")
                .json();

        assertThat(names(body.get("items"))).containsExactly("q-249", "q-248", "q-247");
        assertThat(names(server.get("/api/queues?sort=name&sort_reverse=true").json()))
                .startsWith("q-249");
    }

    @Test
    void without_page_the_answer_stays_the_whole_array() {
        JsonNode body = server.get("/api/queues?page_size=10&name=orders").json();

        assertThat(body.isArray()).isTrue();
        assertThat(body).hasSize(252);
        assertThat(server.get("/api/exchanges").json().isArray()).isTrue();
        assertThat(server.get("/api/connections").json().isArray()).isTrue();
        assertThat(server.get("/api/channels").json().isArray()).isTrue();
    }

    @Test
    void exchanges_connections_and_channels_page_the_same_way() throws Exception {
        server.connect("second").createChannel();

        JsonNode exchanges =
                server.get("/api/exchanges/%2F?page=1&page_size=2&name=amq.t").json();
        assertThat(names(exchanges.get("items"))).containsExactly("amq.topic");
        assertThat(exchanges.get("total_count").asInt()).isGreaterThan(1);

        JsonNode connections = server.get("/api/connections?page=2&page_size=1").json();
        assertThat(connections.get("total_count").asInt()).isEqualTo(2);
        assertThat(connections.get("page_count").asInt()).isEqualTo(2);
        assertThat(connections.get("items")).hasSize(1);

        JsonNode channels = server.get("/api/channels?page=1&page_size=500").json();
        assertThat(channels.get("item_count").asInt()).isEqualTo(2);
    }

    @Test
    void invalid_parameters_are_a_bad_request_saying_why() {
        for (String query : List.of(
                "page=0",
                "page=-1",
                "page=x",
                "page=1&page_size=0",
                "page=1&page_size=501",
                "page=1&page_size=ten",
                "page=99999999999",
                "page=4",
                "page=2&name=nothing-like-this",
                "page=1&name=(&use_regex=true")) {
            ManagementFixture.Reply reply = server.get("/api/queues?" + query);

            assertThat(reply.status()).as(query).isEqualTo(400);
            assertThat(reply.json().get("error").asText()).as(query).isEqualTo("bad_request");
            assertThat(reply.json().get("reason").asText()).as(query).isNotBlank();
        }
        assertThat(server.get("/api/queues?page=1&page_size=500").status()).isEqualTo(200);
        // page_size alone, without page, is ignored as in RabbitMQ
        assertThat(server.get("/api/queues?page_size=9999").status()).isEqualTo(200);
    }
}
