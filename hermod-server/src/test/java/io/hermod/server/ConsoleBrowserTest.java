package io.hermod.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.MessageProperties;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web console in headless Chromium (Debian's {@code chromium} and {@code chromium-driver}, which {@code .ci/run}
 * installs) against a running server holding queues and messages declared over AMQP: log in, then each page shows what
 * the broker holds, and the queue actions (purge, publish, get, delete) change it. A screenshot of each page is kept
 * in {@code target/console/}. The bindings page adds and removes bindings; every table pages 100 rows at a time. Skipped, saying why, when Chromium or its driver is not installed.
 */
@Timeout(120)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleBrowserTest {

    private static final Path CHROMIUM = Path.of(System.getProperty("hermod.chromium", "/usr/bin/chromium"));
    private static final Path CHROMEDRIVER =
            Path.of(System.getProperty("hermod.chromedriver", "/usr/bin/chromedriver"));
    private static final Path SCREENSHOTS = Path.of("target", "console");

    @TempDir
    static Path dir;

    private static HermodServer server;
    private static Connection connection;
    private static Channel channel;
    private static WebDriver browser;
    private static WebDriverWait wait;

    @BeforeAll
    static void start() throws Exception {
        boolean installed = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        String missing = "Chromium is not installed (" + CHROMIUM + ", " + CHROMEDRIVER
                + "): apt-get install chromium chromium-driver, as .ci/run does";
        // .ci/run installs it and sets HERMOD_REQUIRE_CLIENTS=true: there a missing browser fails instead of skipping
        if (Boolean.parseBoolean(System.getenv("HERMOD_REQUIRE_CLIENTS"))) {
            assertThat(installed).as(missing).isTrue();
        } else {
            assumeTrue(installed, missing);
        }
        server = HermodServer.start(ConfigLoader.load(
                CommandLine.parse("--data", dir.resolve("data").toString(), "--amqp-port", "0", "--http-port", "0"),
                Map.of("HERMOD_AMQP_HOST", "127.0.0.1", "HERMOD_HTTP_HOST", "127.0.0.1")));
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost("127.0.0.1");
        factory.setPort(server.amqpPort());
        factory.setClientProperties(Map.of("product", "console-test", "version", "1.0"));
        connection = factory.newConnection();
        channel = connection.createChannel();
        channel.queueDeclare("orders", true, false, false, null);
        channel.queueDeclare("invoices", true, false, false, Map.of("x-max-length", 1000));
        channel.queueDeclare("audit", false, false, false, null);
        channel.exchangeDeclare("events", "topic", true);
        channel.queueBind("audit", "events", "#");
        channel.confirmSelect();
        publish("", "orders", 5);
        publish("", "invoices", 2);
        channel.waitForConfirmsOrDie(10_000);

        ChromeOptions options = new ChromeOptions()
                .setBinary(CHROMIUM.toFile())
                .addArguments(
                        "--headless=new",
                        "--no-sandbox",
                        "--disable-dev-shm-usage",
                        "--disable-gpu",
                        "--window-size=1280,1000",
                        "--lang=en-US");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .build();
        browser = new ChromeDriver(service, options);
        wait = new WebDriverWait(browser, Duration.ofSeconds(20));
        wait.ignoring(StaleElementReferenceException.class); // the console re-renders its tables as it polls
        Files.createDirectories(SCREENSHOTS);
    }

    @AfterAll
    static void stop() throws Exception {
        if (browser != null) {
            browser.quit();
        }
        if (connection != null && connection.isOpen()) {
            connection.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private static void publish(String exchange, String routingKey, int count) throws IOException {
        for (int i = 0; i < count; i++) {
            channel.basicPublish(
                    exchange,
                    routingKey,
                    MessageProperties.PERSISTENT_TEXT_PLAIN,
                    (routingKey + " " + i).getBytes(StandardCharsets.UTF_8));
        }
    }

    private static String base() {
        return "http://127.0.0.1:" + server.httpPort();
    }

    private static void screenshot(String name) throws IOException {
        File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        Files.copy(shot.toPath(), SCREENSHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    }

    /** Clicks Refresh and waits until the page has rendered again. */
    private static void refresh() {
        String before = String.valueOf(browser.findElement(By.tagName("body")).getDomAttribute("data-rendered"));
        browser.findElement(By.id("refresh")).click();
        wait.until(d -> !before.equals(d.findElement(By.tagName("body")).getDomAttribute("data-rendered")));
    }

    private static void show(String page) {
        browser.findElement(By.cssSelector("#nav a[data-page='" + page + "']")).click();
        wait.until(d -> String.valueOf(d.findElement(By.tagName("body")).getDomAttribute("data-rendered"))
                .startsWith(page + ":"));
    }

    private static String card(String id) {
        return browser.findElement(By.cssSelector("[data-card='" + id + "'] .value"))
                .getText();
    }

    private static WebElement queueRow(String name) {
        return browser.findElement(By.cssSelector("#queues tr[data-queue='" + name + "']"));
    }

    /** A cell's text, read again when the console re-rendered the table meanwhile. */
    private static String cell(String queue, String column) {
        return wait.until(d -> queueRow(queue).findElement(By.className(column)).getText());
    }

    @Test
    @Order(1)
    void a_wrong_password_is_refused_and_the_right_one_opens_the_overview() throws Exception {
        browser.get(base() + "/");
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("login-form")));
        browser.findElement(By.id("login-user")).sendKeys("guest");
        browser.findElement(By.id("login-password")).sendKeys("wrong");
        browser.findElement(By.cssSelector("#login-form button")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("login-error"), "Login failed"));

        browser.findElement(By.id("login-password")).clear();
        browser.findElement(By.id("login-password")).sendKeys("guest");
        browser.findElement(By.cssSelector("#login-form button")).click();
        wait.until(d -> String.valueOf(d.findElement(By.tagName("body")).getDomAttribute("data-rendered"))
                .startsWith("overview:"));

        assertThat(card("queues")).isEqualTo("3");
        assertThat(card("ready")).isEqualTo("7");
        assertThat(card("connections")).isEqualTo("1");
        assertThat(browser.findElement(By.id("who")).getText())
                .contains("guest")
                .contains("administrator");
    }

    @Test
    @Order(2)
    void the_overview_draws_message_rates_from_the_counters_it_polls() throws Exception {
        // traffic between refreshes: the chart's rates come from the differences of the counters
        for (int round = 0; round < 6; round++) {
            publish("events", "audit.round" + round, 40);
            publish("", "orders", 10);
            channel.waitForConfirmsOrDie(10_000);
            for (int i = 0; i < 20; i++) {
                var got = channel.basicGet("audit", false);
                if (got != null) {
                    channel.basicAck(got.getEnvelope().getDeliveryTag(), false);
                }
            }
            Thread.sleep(300); // the counters are published after each queue run
            refresh();
        }
        String legend = browser.findElement(By.cssSelector("#rates-legend [data-series='publish']"))
                .getText();
        assertThat(legend).startsWith("Publish: ").endsWith("/s").isNotEqualTo("Publish: 0.0/s");
        assertThat(card("ready")).isEqualTo(String.valueOf(7 + 60 + 6 * 40 - 6 * 20));
        screenshot("overview");
    }

    @Test
    @Order(3)
    void the_queues_page_lists_depths_and_purge_empties_a_queue() throws Exception {
        show("queues");
        assertThat(cell("orders", "ready")).isEqualTo("65");
        assertThat(cell("invoices", "ready")).isEqualTo("2");
        assertThat(cell("invoices", "consumers")).isEqualTo("0");
        assertThat(queueRow("invoices").getText()).contains("x-max-length");

        queueRow("orders").findElement(By.className("purge")).click();
        wait.until(ExpectedConditions.alertIsPresent()).accept();
        wait.until(d -> cell("orders", "ready").equals("0"));
        assertThat(channel.queueDeclarePassive("orders").getMessageCount()).isZero();
    }

    @Test
    @Order(4)
    void publish_and_get_on_a_queue_go_through_the_api() throws Exception {
        queueRow("invoices").findElement(By.cssSelector(".name a")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("queue-detail")));
        browser.findElement(By.id("publish-payload")).sendKeys("hello from the console");
        browser.findElement(By.cssSelector("#publish-form button")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("publish-result"), "Message published."));
        wait.until(d -> cell("invoices", "ready").equals("3"));

        browser.findElement(By.id("get-count")).clear();
        browser.findElement(By.id("get-count")).sendKeys("3");
        browser.findElement(By.cssSelector("#get-form button")).click();
        wait.until(d -> d.findElements(By.cssSelector("#get-result .payload")).size() == 3);
        List<String> payloads = browser.findElements(By.cssSelector("#get-result .payload")).stream()
                .map(WebElement::getText)
                .toList();
        assertThat(payloads).containsExactly("invoices 0", "invoices 1", "hello from the console");
        // the default ack mode requeues: they are still there
        refresh();
        assertThat(cell("invoices", "ready")).isEqualTo("3");
        screenshot("queues");
    }

    @Test
    @Order(5)
    void delete_removes_a_queue_from_the_broker_and_the_table() throws Exception {
        show("queues");
        channel.queueDeclare("scratch", false, false, false, null);
        refresh();
        queueRow("scratch").findElement(By.className("delete")).click();
        wait.until(ExpectedConditions.alertIsPresent()).accept();
        wait.until(d -> d.findElements(By.cssSelector("#queues tr[data-queue='scratch']"))
                .isEmpty());
        assertThat(server.broker().vhost("/").orElseThrow().queueNames()).doesNotContain("scratch");
    }

    @Test
    @Order(6)
    void the_exchanges_page_lists_the_declared_and_predeclared_exchanges() throws Exception {
        show("exchanges");
        assertThat(browser.findElement(By.cssSelector("#exchanges tr[data-exchange='events'] .type"))
                        .getText())
                .isEqualTo("topic");
        assertThat(browser.findElements(By.cssSelector("#exchanges tr[data-exchange='amq.direct']")))
                .hasSize(1);
        assertThat(browser.findElement(By.id("exchanges")).getText()).contains("(AMQP default)");
        screenshot("exchanges");
    }

    @Test
    @Order(7)
    void the_connections_page_shows_the_amqp_client() throws Exception {
        show("connections");
        List<WebElement> rows = browser.findElements(By.cssSelector("#connections tr[data-connection]"));
        assertThat(rows).hasSize(1);
        assertThat(rows.getFirst().getText())
                .contains("guest")
                .contains("running")
                .contains("console-test 1.0");
        screenshot("connections");
    }

    private static List<WebElement> bindingRows(String source, String destination) {
        return browser.findElements(
                By.cssSelector("#bindings tr[data-source='" + source + "'][data-destination='" + destination + "']"));
    }

    private static boolean bound(String source, String queue, String routingKey) {
        return server.broker().vhost("/").orElseThrow().bindings().stream()
                .anyMatch(b -> b.source().equals(source)
                        && b.destination().equals(queue)
                        && b.routingKey().equals(routingKey));
    }

    private static List<String> shownQueues() {
        return wait.until(d -> d.findElements(By.cssSelector("#queues tr[data-queue]")).stream()
                .map(r -> r.getDomAttribute("data-queue"))
                .toList());
    }

    private static String position(String table) {
        return browser.findElement(By.cssSelector("[data-pager='" + table + "'] .position"))
                .getText();
    }

    @Test
    @Order(8)
    void the_bindings_page_shows_a_binding_made_over_amqp_and_adds_and_removes_one() throws Exception {
        show("bindings");
        List<WebElement> amqp = bindingRows("events", "audit");
        assertThat(amqp).hasSize(1);
        assertThat(amqp.getFirst().findElement(By.className("routing-key")).getText())
                .isEqualTo("#");
        assertThat(amqp.getFirst().findElement(By.className("destination-type")).getText())
                .isEqualTo("queue");
        // the default exchange's implicit binding is listed, with nothing to remove
        assertThat(bindingRows("", "orders").getFirst().findElements(By.className("unbind")))
                .isEmpty();

        browser.findElement(By.id("bind-source")).sendKeys("events");
        new Select(browser.findElement(By.id("bind-type"))).selectByValue("q");
        browser.findElement(By.id("bind-destination")).sendKeys("orders");
        browser.findElement(By.id("bind-key")).sendKeys("order.*");
        browser.findElement(By.id("bind-arguments")).sendKeys("{\"x-note\": \"from the console\"}");
        browser.findElement(By.cssSelector("#bind-form button")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("bind-result"), "Bound orders to events."));
        wait.until(d -> bindingRows("events", "orders").size() == 1);
        assertThat(bindingRows("events", "orders").getFirst().getText())
                .contains("order.*")
                .contains("from the console");
        assertThat(bound("events", "orders", "order.*")).isTrue();
        screenshot("bindings");

        bindingRows("events", "orders")
                .getFirst()
                .findElement(By.className("unbind"))
                .click();
        wait.until(ExpectedConditions.alertIsPresent()).accept();
        wait.until(d -> bindingRows("events", "orders").isEmpty());
        assertThat(bound("events", "orders", "order.*")).isFalse();
        assertThat(bound("events", "audit", "#")).isTrue();
    }

    @Test
    @Order(9)
    void the_queues_table_shows_a_hundred_rows_a_page_and_the_filter_narrows_them() throws Exception {
        List<String> declared = IntStream.range(0, 150)
                .mapToObj(i -> String.format("many-%03d", i))
                .toList();
        for (String q : declared) {
            channel.queueDeclare(q, false, false, false, null);
        }
        show("queues");
        // 153 queues: audit, invoices, orders and the 150 above, sorted by name
        List<String> first = shownQueues();
        assertThat(first).hasSize(100).startsWith("audit", "invoices", "many-000");
        assertThat(position("queues")).isEqualTo("1–100 of 153, page 1 of 2");

        browser.findElement(By.cssSelector("[data-pager='queues'] .next")).click();
        wait.until(d -> position("queues").startsWith("101–153"));
        List<String> second = shownQueues();
        assertThat(second).hasSize(53).endsWith("orders");
        assertThat(browser.findElement(By.cssSelector("[data-pager='queues'] .next"))
                        .isEnabled())
                .isFalse();
        List<String> both = new ArrayList<>(first);
        both.addAll(second);
        List<String> all = new ArrayList<>(List.of("audit", "invoices", "orders"));
        all.addAll(declared);
        assertThat(both).containsExactlyInAnyOrderElementsOf(all);

        browser.findElement(By.cssSelector("[data-pager='queues'] .filter")).sendKeys("many-14");
        wait.until(d -> position("queues").startsWith("1–10 of 10"));
        assertThat(shownQueues()).containsExactlyElementsOf(declared.subList(140, 150));
        // the filter survives the next poll
        refresh();
        assertThat(shownQueues()).containsExactlyElementsOf(declared.subList(140, 150));
        assertThat(position("queues")).isEqualTo("1–10 of 10 (filtered from 153), page 1 of 1");
        screenshot("queues-filtered");
    }
}
