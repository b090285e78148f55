using Microsoft.Playwright;

namespace WorkingPoint.Server.DashboardTests;

/// <summary>
/// Screenshots of a lab's dashboard, written as PNG in headless Chromium with the reader token as a bearer header, failing on a
/// console error or a broken image as the browser tests do. By default of the seeded test lab, into a temporary directory (so CI
/// runs it); examples/lab-loop.sh names a running lab with WPT_SCREENSHOT_SERVER, WPT_SCREENSHOT_TOKEN and WPT_SCREENSHOT_DIR
/// to take the docs' pictures of it.
/// </summary>
public sealed class LabScreenshots(LabFixture lab) : IClassFixture<LabFixture>
{
    [SkippableFact]
    public async Task The_matrix_and_results_pages_of_a_running_lab_are_written_as_png()
    {
        var named = Environment.GetEnvironmentVariable("WPT_SCREENSHOT_SERVER");
        var loop = !string.IsNullOrEmpty(named);
        var server = loop ? named! : lab.BaseAddress.AbsoluteUri;
        var token = loop ? Environment.GetEnvironmentVariable("WPT_SCREENSHOT_TOKEN") : lab.ReaderToken;
        var directory = loop ? Environment.GetEnvironmentVariable("WPT_SCREENSHOT_DIR") : Directory.CreateTempSubdirectory("wpt-screenshots-").FullName;
        Assert.True(!string.IsNullOrEmpty(token) && !string.IsNullOrEmpty(directory), "WPT_SCREENSHOT_SERVER needs WPT_SCREENSHOT_TOKEN (a reader token) and WPT_SCREENSHOT_DIR.");
        try
        {
            await ShootAsync(server, token!, directory!);
        }
        finally
        {
            if (!loop)
            {
                Directory.Delete(directory!, recursive: true);
            }
        }
    }

    private static async Task ShootAsync(string server, string token, string directory)
    {
        var chromium = new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome" }.FirstOrDefault(File.Exists);
        // As the browser tests: skipped with the reason where Chromium is missing, a failure where it is required (CI).
        Skip.If(chromium is null && Environment.GetEnvironmentVariable("WPT_REQUIRE_CHROMIUM") != "1", "no chromium installed (apt-get install chromium); set WPT_REQUIRE_CHROMIUM=1 to make this a failure.");
        Assert.True(chromium is not null, "Chromium is required (WPT_REQUIRE_CHROMIUM=1) but not installed: apt-get install chromium.");
        Directory.CreateDirectory(directory);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = chromium, Headless = true, Args = ["--no-sandbox", "--disable-gpu"] });
        // The reader token as a bearer header, which the pages take as the login cookie.
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1400, Height = 900 }, ExtraHTTPHeaders = new Dictionary<string, string> { ["Authorization"] = $"Bearer {token}" } });
        page.SetDefaultTimeout(180_000); // a lab machine busy with its agents' jobs may answer slowly
        var problems = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                problems.Add($"console: {message.Text}");
            }
        };
        page.RequestFailed += (_, request) => problems.Add($"request failed: {request.Url} {request.Failure}");

        var baseAddress = new Uri(server!);
        await page.GotoAsync(new Uri(baseAddress, "/matrix").AbsoluteUri);
        Assert.True(await page.Locator("#matrix td.cell").CountAsync() > 0, $"The matrix shows no measured cell: have the lab's jobs run? {await page.InnerTextAsync("main")}");
        await page.ScreenshotAsync(new() { Path = Path.Combine(directory!, "lab-loop-matrix.png"), FullPage = true });

        await page.GotoAsync(new Uri(baseAddress, "/results").AbsoluteUri);
        await page.ScreenshotAsync(new() { Path = Path.Combine(directory!, "lab-loop-results.png"), FullPage = true });
        Assert.True(problems.Count == 0, string.Join(" | ", problems));
        Assert.All(new[] { "lab-loop-matrix.png", "lab-loop-results.png" }, name => Assert.True(new FileInfo(Path.Combine(directory, name)).Length > 0, name));
    }
}
