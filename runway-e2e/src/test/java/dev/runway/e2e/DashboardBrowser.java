package dev.runway.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;

/**
 * Debian's headless chromium (through chromedriver) on the dashboard of one control plane, with the few things a
 * browser test does: open a view, read texts, click, wait for the view to show something, keep a screenshot (in
 * {@code runway-e2e/target/screenshots/}). Skips the test class without chromium and chromedriver, except under
 * CI=true.
 */
final class DashboardBrowser implements AutoCloseable {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static final Duration UI = Duration.ofSeconds(20);

    final WebDriver driver;
    private final String url;
    private final Path screenshots;
    private final String prefix;
    private final List<String> console = new java.util.ArrayList<>();

    /** Fails under CI=true, else skips, when the browser is missing. */
    static void assumeInstalled() {
        boolean present = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        if (!present && "true".equals(System.getenv("CI")))
            throw new AssertionError("chromium or chromedriver is missing (" + CHROMIUM + ", " + CHROMEDRIVER
                    + "); under CI=true the dashboard browser test must run");
        assumeTrue(present, "chromium and chromedriver are not installed: dashboard browser test skipped");
    }

    DashboardBrowser(String url, String screenshotPrefix) throws IOException {
        this.url = url;
        this.prefix = screenshotPrefix;
        this.screenshots =
                Files.createDirectories(Path.of(System.getProperty("basedir", "."), "target", "screenshots"));
        System.setProperty("webdriver.chrome.driver", CHROMEDRIVER.toString()); // no Selenium Manager download
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1000");
        options.setCapability("goog:loggingPrefs", java.util.Map.of("browser", "ALL")); // for cspViolations()
        driver = new ChromeDriver(
                new ChromeDriverService.Builder()
                        .usingDriverExecutable(CHROMEDRIVER.toFile())
                        .build(),
                options);
    }

    void open(String hash) {
        driver.get(url + "/" + hash);
    }

    /** The address's fragment as the page has it now. */
    String hash() {
        String current = driver.getCurrentUrl();
        int at = current.indexOf('#');
        return at < 0 ? "" : current.substring(at);
    }

    String text(String css) {
        List<WebElement> found = driver.findElements(By.cssSelector(css));
        return found.isEmpty() ? "" : found.getFirst().getText();
    }

    List<String> texts(String css) {
        return driver.findElements(By.cssSelector(css)).stream()
                .map(WebElement::getText)
                .toList();
    }

    List<String> attributes(String css, String attribute) {
        return driver.findElements(By.cssSelector(css)).stream()
                .map(e -> e.getAttribute(attribute))
                .toList();
    }

    boolean displayed(String css) {
        List<WebElement> found = driver.findElements(By.cssSelector(css));
        return !found.isEmpty() && found.getFirst().isDisplayed();
    }

    /** Clicks the first element {@code css} finds once it is shown (the view re-renders every 5 s: looks again). */
    void click(String css) {
        awaitUi("click " + css, () -> {
            WebElement e = driver.findElement(By.cssSelector(css));
            assertThat(e.isDisplayed()).as(css + " shown").isTrue();
            assertThat(e.isEnabled()).as(css + " enabled").isTrue();
            e.click();
        });
    }

    void screenshot(String view) throws IOException {
        Files.write(
                screenshots.resolve(prefix + view + ".png"),
                ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
    }

    void awaitUi(String what, Runnable assertion) {
        awaitUi(what, UI, assertion);
    }

    void awaitUi(String what, Duration atMost, Runnable assertion) {
        await(what)
                .atMost(atMost)
                .pollInterval(Duration.ofMillis(100))
                .ignoreExceptionsInstanceOf(StaleElementReferenceException.class)
                .untilAsserted(assertion::run);
    }

    /** Types {@code token} into the sign-in form (signing out first if signed in) and waits for the signed-in view. */
    void signIn(String token, String expectedRole) {
        open("#/executive");
        awaitUi(
                "the page has loaded",
                () -> assertThat(displayed("#token-input") || displayed("#sign-out"))
                        .isTrue());
        if (displayed("#sign-out")) click("#sign-out");
        awaitUi("sign-in form", () -> assertThat(displayed("#token-input")).isTrue());
        driver.findElement(By.id("token-input")).sendKeys(token);
        driver.findElement(By.id("sign-in")).click();
        awaitUi("signed in as " + expectedRole, () -> {
            assertThat(displayed("#sign-out")).isTrue();
            assertThat(text("#whoami")).startsWith(expectedRole);
        });
    }

    /**
     * What the browser's console said about the Content-Security-Policy since the page was opened (Chromium logs each
     * blocked script, style or connection there): empty when the dashboard kept to its policy.
     */
    List<String> cspViolations() {
        driver.manage().logs().get(LogType.BROWSER).getAll().stream()
                .map(LogEntry::getMessage)
                .forEach(console::add);
        return console.stream()
                .filter(m -> m.contains("Content Security Policy") || m.contains("Content-Security-Policy"))
                .toList();
    }

    @Override
    public void close() {
        driver.quit();
    }
}
