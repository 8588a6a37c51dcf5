package io.hermod.server.management;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The console's static files over HTTP: content types, caching headers and revalidation, and 404 for the rest. */
@Timeout(30)
class ConsoleResourceTest {

    @RegisterExtension
    final ManagementFixture fixture = new ManagementFixture();

    private final HttpClient client = HttpClient.newHttpClient();

    private HttpResponse<String> get(String path, String ifNoneMatch) throws Exception {
        HttpRequest.Builder request =
                HttpRequest.newBuilder(URI.create(fixture.base() + path)).timeout(Duration.ofSeconds(10));
        if (ifNoneMatch != null) {
            request.header("If-None-Match", ifNoneMatch);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @ParameterizedTest
    @CsvSource({
        "/, text/html; charset=utf-8, <title>Hermod</title>",
        "/console/console.js, text/javascript; charset=utf-8, 'use strict'",
        "/console/console.css, text/css; charset=utf-8, :root",
        "/console/favicon.svg, image/svg+xml, <svg"
    })
    void each_file_is_served_without_credentials_with_its_content_type(String path, String type, String content)
            throws Exception {
        HttpResponse<String> response = get(path, null);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue(type);
        assertThat(response.headers().firstValue("Cache-Control")).hasValue("no-cache");
        assertThat(response.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        assertThat(response.headers().firstValue("Content-Security-Policy"))
                .hasValueSatisfying(csp -> assertThat(csp).contains("default-src 'self'"));
        assertThat(response.body()).contains(content);
    }

    @Test
    void a_browser_holding_the_current_copy_gets_304_and_a_stale_one_gets_the_file() throws Exception {
        String etag =
                get("/console/console.js", null).headers().firstValue("ETag").orElseThrow();

        HttpResponse<String> current = get("/console/console.js", etag);
        assertThat(current.statusCode()).isEqualTo(304);
        assertThat(current.body()).isEmpty();
        assertThat(current.headers().firstValue("ETag")).hasValue(etag);

        HttpResponse<String> stale = get("/console/console.js", "\"0000\"");
        assertThat(stale.statusCode()).isEqualTo(200);
        assertThat(stale.body()).contains("'use strict'");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "/console/missing.js",
                "/console/",
                "/console/..%2Fpom.xml",
                "/console/%2E%2E%2Fmanagement%2FConsoleResource.class",
                "/index.html",
                "/nowhere"
            })
    void anything_else_is_404(String path) throws Exception {
        assertThat(get(path, null).statusCode()).isEqualTo(404);
    }

    @Test
    void the_console_login_gets_401_without_a_challenge_so_the_browser_shows_no_dialog() throws Exception {
        HttpResponse<String> console = client.send(
                HttpRequest.newBuilder(URI.create(fixture.base() + "/api/whoami"))
                        .header("X-Requested-With", "XMLHttpRequest")
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(console.statusCode()).isEqualTo(401);
        assertThat(console.headers().firstValue("WWW-Authenticate")).isEmpty();

        HttpResponse<String> script = get("/api/whoami", null);
        assertThat(script.statusCode()).isEqualTo(401);
        assertThat(script.headers().firstValue("WWW-Authenticate")).isPresent();
    }
}
