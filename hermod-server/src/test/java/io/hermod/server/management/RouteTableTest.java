package io.hermod.server.management;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import org.junit.jupiter.api.Test;

class RouteTableTest {

    private static final ApiHandler OK = r -> ApiResponse.noContent();

    private final RouteTable routes = new RouteTable()
            .add("GET", "/api/queues/{vhost}", Access.MANAGEMENT, OK)
            .add("GET", "/api/queues/{vhost}/{name}", Access.MANAGEMENT, OK)
            .add("DELETE", "/api/queues/{vhost}/{name}", Access.MANAGEMENT, OK)
            .add("GET", "/metrics", Access.PUBLIC, OK)
            .add("GET", "/console/{file*}", Access.PUBLIC, OK);

    @Test
    void an_encoded_slash_stays_inside_its_segment() {
        RouteTable.Match match = routes.find("GET", "/api/queues/%2F/a%2Fb");

        assertThat(match.params()).containsEntry("vhost", "/").containsEntry("name", "a/b");
    }

    @Test
    void a_plus_in_a_path_is_a_plus_and_percent_escapes_decode_as_utf8() {
        assertThat(routes.find("GET", "/api/queues/v/a+b%20c%C3%A9").params()).containsEntry("name", "a+b cé");
    }

    @Test
    void a_trailing_slash_matches_and_a_rest_parameter_takes_the_remaining_segments() {
        assertThat(routes.find("GET", "/api/queues/v/").params()).containsEntry("vhost", "v");
        assertThat(routes.find("GET", "/console/js/app.js").params()).containsEntry("file", "js/app.js");
        assertThat(routes.find("GET", "/metrics").route().access()).isEqualTo(Access.PUBLIC);
    }

    @Test
    void a_known_path_with_another_method_is_405_and_an_unknown_path_404() {
        ApiException wrongMethod =
                catchThrowableOfType(ApiException.class, () -> routes.find("POST", "/api/queues/v/q"));
        ApiException unknown = catchThrowableOfType(ApiException.class, () -> routes.find("GET", "/api/nothing"));
        ApiException empty = catchThrowableOfType(ApiException.class, () -> routes.find("GET", "/api/queues//q"));

        assertThat(wrongMethod.status()).isEqualTo(405);
        assertThat(wrongMethod.reason()).contains("GET").contains("DELETE");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(empty.status()).isEqualTo(404);
    }

    @Test
    void head_is_answered_by_the_get_route() {
        assertThat(routes.find("HEAD", "/metrics").route().method()).isEqualTo("GET");
    }
}
