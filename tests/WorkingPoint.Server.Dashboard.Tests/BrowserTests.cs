using Microsoft.Playwright;
using Xunit.Abstractions;

namespace WorkingPoint.Server.DashboardTests;

/// <summary>
/// The dashboard in headless Chromium (Debian's, driven by Playwright's bundled driver: no browser download) under the strict CSP:
/// every page loads without a console error or a broken image, login works, filters work, and the script-named device stays inert.
/// CI installs chromium (.ci/test-browser) and sets WPT_REQUIRE_CHROMIUM=1, so these never pass vacuously there.
/// </summary>
[Collection(LabCollection.Name)]
public sealed class BrowserTests(LabFixture lab, ITestOutputHelper output)
{
    private static readonly string? Chromium = new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome" }.FirstOrDefault(File.Exists);

    [Fact]
    public async Task An_unauthenticated_visit_lands_on_the_login_page()
    {
        await WithBrowserAsync(async (page, problems) =>
        {
            await page.GotoAsync(new Uri(lab.BaseAddress, "/matrix").AbsoluteUri);
            Assert.Equal("/login", new Uri(page.Url).AbsolutePath);
            Assert.Equal("Log in to the lab", await page.InnerTextAsync("h1"));
            Assert.Empty(problems);
        });
    }

    [Fact]
    public async Task A_reader_logs_in_and_every_page_loads_without_console_errors_or_broken_images()
    {
        await WithBrowserAsync(async (page, problems) =>
        {
            await LogInAsync(page, lab.ReaderToken, "/devices");
            Assert.Equal("/devices", new Uri(page.Url).AbsolutePath);
            string[] pages =
            [
                "/devices", "/jobs", "/jobs?state=running", "/results", $"/results?model={LabFixture.Network}", $"/results/{lab.OnnxResult}",
                $"/results/{lab.LlmResult}", $"/results/{lab.RooflineResult}", $"/results/{lab.EvilResult}", $"/compare?id={lab.OnnxResult}&id={lab.OnnxRerun}",
                "/matrix", "/usecases", "/usecases/0",
            ];
            foreach (var path in pages)
            {
                var response = await page.GotoAsync(new Uri(lab.BaseAddress, path).AbsoluteUri, new() { WaitUntil = WaitUntilState.Load });
                Assert.True(response!.Ok, $"{path}: {response.Status}");
                var broken = await page.EvaluateAsync<int>("() => Array.from(document.images).filter(i => !i.complete || i.naturalWidth === 0).length");
                var images = await page.EvaluateAsync<int>("() => document.images.length");
                output.WriteLine($"{path}: {images} images");
                Assert.True(broken == 0, $"{path}: {broken} of {images} images broken");
                Assert.True(problems.Count == 0, $"{path}: {string.Join(" | ", problems)}");
            }

            // Styles came from the stylesheet (a CSP-blocked sheet would leave the nav unstyled).
            await page.GotoAsync(new Uri(lab.BaseAddress, "/matrix").AbsoluteUri);
            Assert.Equal("flex", await page.EvalOnSelectorAsync<string>("nav", "n => getComputedStyle(n).display"));
        });
    }

    [Fact]
    public async Task The_matrix_shows_a_seeded_result()
    {
        await WithBrowserAsync(async (page, problems) =>
        {
            await LogInAsync(page, lab.ReaderToken, "/matrix");
            var cell = page.Locator("#matrix td.cell", new() { HasText = "31.5 tok/s" });
            Assert.Equal(1, await cell.CountAsync());
            Assert.Contains("predicted", await cell.InnerTextAsync(), StringComparison.Ordinal);
            var screenshot = Environment.GetEnvironmentVariable("WPT_DASHBOARD_SCREENSHOT");
            if (!string.IsNullOrEmpty(screenshot))
            {
                await page.SetViewportSizeAsync(1280, 560);
                await page.ScreenshotAsync(new() { Path = screenshot, FullPage = true });
            }

            Assert.Empty(problems);
        });
    }

    [Fact]
    public async Task Filtering_results_by_model_leaves_only_that_models_rows()
    {
        await WithBrowserAsync(async (page, problems) =>
        {
            await LogInAsync(page, lab.ReaderToken, "/results");
            Assert.Contains(LabFixture.Llm, await page.Locator("#results td.model").AllInnerTextsAsync());
            await page.FillAsync("#model", LabFixture.Network);
            await page.ClickAsync("form.filters button[type=submit]");
            await page.WaitForURLAsync("**/results?*model=*");
            var models = await page.Locator("#results td.model").AllInnerTextsAsync();
            Assert.NotEmpty(models);
            Assert.All(models, m => Assert.Equal(LabFixture.Network, m));
            Assert.Empty(problems);
        });
    }

    [Fact]
    public async Task The_device_named_like_a_script_shows_its_name_and_runs_nothing()
    {
        await WithBrowserAsync(async (page, problems) =>
        {
            var dialogs = 0;
            page.Dialog += (_, dialog) =>
            {
                dialogs++;
                _ = dialog.DismissAsync();
            };
            await LogInAsync(page, lab.ReaderToken, "/devices");
            Assert.Contains(LabFixture.Evil, await page.InnerTextAsync("#devices"), StringComparison.Ordinal);
            Assert.Equal(0, await page.Locator("#devices script").CountAsync());
            Assert.Equal(0, dialogs);
            Assert.Empty(problems);
        });
    }

    [Fact]
    public async Task An_agent_token_cannot_log_in()
    {
        await WithBrowserAsync(async (page, problems) =>
        {
            await page.GotoAsync(new Uri(lab.BaseAddress, "/login").AbsoluteUri);
            await page.FillAsync("#token", lab.AgentToken);
            var response = await page.RunAndWaitForResponseAsync(() => page.ClickAsync("form.login button"), r => r.Request.Method == "POST" && r.Url.EndsWith("/login", StringComparison.Ordinal));
            await page.WaitForLoadStateAsync(LoadState.Load);
            Assert.Equal(403, response!.Status);
            Assert.Contains("agent token cannot view", await page.InnerTextAsync("main"), StringComparison.Ordinal);
            // The browser reports the 403 document itself as a failed resource; nothing else may fail.
            Assert.All(problems, p => Assert.Contains("403", p, StringComparison.Ordinal));
        });
    }

    private async Task LogInAsync(IPage page, string token, string path)
    {
        await page.GotoAsync(new Uri(lab.BaseAddress, path).AbsoluteUri);
        Assert.Equal("/login", new Uri(page.Url).AbsolutePath);
        await page.FillAsync("#token", token);
        await page.ClickAsync("form.login button");
        await page.WaitForURLAsync(url => new Uri(url).AbsolutePath != "/login");
        Assert.Equal(path.Split('?')[0], new Uri(page.Url).AbsolutePath);
    }

    /// <summary>Runs <paramref name="test"/> on a fresh page, collecting console errors, page errors and failed requests.</summary>
    private async Task WithBrowserAsync(Func<IPage, List<string>, Task> test)
    {
        if (Chromium is null)
        {
            Assert.True(Environment.GetEnvironmentVariable("WPT_REQUIRE_CHROMIUM") != "1", "Chromium is required (WPT_REQUIRE_CHROMIUM=1) but not installed: apt-get install chromium.");
            output.WriteLine("SKIPPED: no chromium installed (apt-get install chromium); set WPT_REQUIRE_CHROMIUM=1 to make this a failure.");
            return;
        }

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = Chromium, Headless = true, Args = ["--no-sandbox", "--disable-gpu"] });
        var page = await browser.NewPageAsync();
        var problems = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                problems.Add($"console: {message.Text}");
            }
        };
        page.PageError += (_, error) => problems.Add($"page error: {error}");
        page.RequestFailed += (_, request) => problems.Add($"request failed: {request.Url} {request.Failure}");
        await test(page, problems);
    }
}
