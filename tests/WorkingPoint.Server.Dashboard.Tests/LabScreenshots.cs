using Microsoft.Playwright;

namespace WorkingPoint.Server.DashboardTests;

/// <summary>
/// Screenshots of a running lab's dashboard for the docs (opt-in: examples/lab-loop.sh sets WPT_SCREENSHOT_SERVER, WPT_SCREENSHOT_TOKEN
/// and WPT_SCREENSHOT_DIR after its jobs ran). Visits with the reader token (a bearer header) in headless Chromium and writes the matrix and the results
/// pages as PNG files, failing on a console error or a broken image, as the browser tests do.
/// </summary>
public sealed class LabScreenshots
{
    [SkippableFact]
    public async Task The_matrix_and_results_pages_of_a_running_lab_are_written_as_png()
    {
        var server = Environment.GetEnvironmentVariable("WPT_SCREENSHOT_SERVER");
        var token = Environment.GetEnvironmentVariable("WPT_SCREENSHOT_TOKEN");
        var directory = Environment.GetEnvironmentVariable("WPT_SCREENSHOT_DIR");
        Skip.If(string.IsNullOrEmpty(server) || string.IsNullOrEmpty(token) || string.IsNullOrEmpty(directory), "opt-in: examples/lab-loop.sh sets WPT_SCREENSHOT_SERVER, WPT_SCREENSHOT_TOKEN and WPT_SCREENSHOT_DIR");
        var chromium = new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome" }.FirstOrDefault(File.Exists);
        Assert.True(chromium is not null, "Screenshots need Chromium: apt-get install chromium.");
        Directory.CreateDirectory(directory!);

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
    }
}
