using WorkingPoint.Core;
using System.Diagnostics;
using System.Text.Json;
using WorkingPoint.Catalog;
using WorkingPoint.Catalog.UseCases;
using WorkingPoint.Tests.Shared;
using WorkingPoint.Evaluation.UseCases;

namespace WorkingPoint.Reporting.Html.Tests;

public sealed class UseCaseReportTests : IDisposable
{
    private static readonly WorkingPoint.Core.Versioning.WptProvenance TestProvenance = new("9.8.7-test", "0123456789abcdef0123456789abcdef01234567", "c0ffee");

    private readonly string _directory = Directory.CreateTempSubdirectory("wpt-report-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static UseCaseReport Report(string example) =>
        new UseCaseEvaluator(Catalog.Catalog.BuiltIn).Evaluate(UseCaseYaml.Load(Path.Combine(TestModels.RepositoryRoot, "examples", example), Catalog.Catalog.BuiltIn));

    [Fact]
    public void The_html_report_is_one_self_contained_file_with_every_section()
    {
        var path = Path.Combine(_directory, "report.html");
        UseCaseReportWriter.Write(Report("smart-camera.yaml"), path, TestProvenance);
        var html = File.ReadAllText(path);

        foreach (var section in new[] { "Verdict per platform", "Ranking and Pareto front", "achieved against target", "Composite score", "Rooflines with the workloads", "Sensitivity", "Assumptions and sources" })
        {
            Assert.Contains(section, html, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("src=\"http", html, StringComparison.Ordinal);
        Assert.DoesNotContain("href=\"http", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<link", html, StringComparison.Ordinal);
        Assert.True(html.Split("<svg").Length - 1 >= 5, "expected inline SVG plots");
        Assert.Contains("viewBox", html, StringComparison.Ordinal);
        Assert.False(File.Exists(path + ".tmp"));
    }

    [Fact]
    public void The_html_report_renders_in_headless_chromium_without_broken_images_or_script_errors()
    {
        var chromium = new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome" }.FirstOrDefault(File.Exists);
        if (chromium is null)
        {
            // .ci/run installs Debian's chromium and sets WPT_REQUIRE_CHROMIUM, so CI never passes this check vacuously.
            Assert.True(Environment.GetEnvironmentVariable("WPT_REQUIRE_CHROMIUM") != "1", "Chromium is required (WPT_REQUIRE_CHROMIUM=1) but not installed: apt-get install chromium.");
            return;
        }

        foreach (var example in new[] { "smart-camera.yaml", "battery-sensor.yaml" })
        {
            var path = Path.Combine(_directory, Path.ChangeExtension(example, ".html"));
            UseCaseReportWriter.Write(Report(example), path, TestProvenance);
            var dom = Run(chromium, "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=3000", "--dump-dom", new Uri(path).AbsoluteUri);
            Assert.Contains("data-render-check=\"ok\"", dom, StringComparison.Ordinal);
        }

        // The check can fail: the same page with a broken image and a script error is caught.
        var broken = Path.Combine(_directory, "broken.html");
        var html = File.ReadAllText(Path.Combine(_directory, "smart-camera.html"));
        File.WriteAllText(broken, html.Replace("<h2>Sensitivity</h2>", "<figure><img src=\"missing.png\"></figure><script>undefinedFunction();</script><h2>Sensitivity</h2>", StringComparison.Ordinal));
        var failed = Run(chromium, "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=3000", "--dump-dom", new Uri(broken).AbsoluteUri);
        Assert.Contains("data-render-check=\"failed: 1 broken images, 1 script errors", failed, StringComparison.Ordinal);
    }

    [Fact]
    public void The_markdown_and_json_reports_carry_the_verdicts()
    {
        var report = Report("robot.yaml");
        var md = Path.Combine(_directory, "report.md");
        var json = Path.Combine(_directory, "report.json");
        UseCaseReportWriter.Write(report, md, TestProvenance);
        UseCaseReportWriter.Write(report, json, TestProvenance);

        var text = File.ReadAllText(md);
        Assert.StartsWith("# Robot", text, StringComparison.Ordinal);
        Assert.Contains("| Platform | Verdict |", text, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        Assert.Equal(report.Platforms.Count, doc.RootElement.GetProperty("platforms").GetArrayLength());
        Assert.Equal(report.Ranking[0].Evaluation.Platform.Id, doc.RootElement.GetProperty("ranking")[0].GetProperty("platform").GetString());
    }

    [Fact]
    public void Every_report_format_names_the_wpt_version_commit_and_catalog_hash_that_computed_it()
    {
        var report = Report("robot.yaml");
        foreach (var extension in new[] { ".html", ".md" })
        {
            var path = Path.Combine(_directory, "report" + extension);
            UseCaseReportWriter.Write(report, path, TestProvenance);
            Assert.Contains("wpt 9.8.7-test (commit 0123456789ab, catalog sha256 c0ffee)", File.ReadAllText(path), StringComparison.Ordinal);
        }

        var json = Path.Combine(_directory, "report.json");
        UseCaseReportWriter.Write(report, json, TestProvenance);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var wpt = doc.RootElement.EnumerateObject().First();
        Assert.Equal("wpt", wpt.Name);
        Assert.Equal("9.8.7-test", wpt.Value.GetProperty("version").GetString());
        Assert.Equal(TestProvenance.Commit, wpt.Value.GetProperty("commit").GetString());
        Assert.Equal("c0ffee", wpt.Value.GetProperty("catalogSha256").GetString());
    }

    [Fact]
    public void An_unknown_report_format_is_refused()
    {
        var error = Assert.Throws<InvalidInputException>(() => UseCaseReportWriter.Write(Report("robot.yaml"), Path.Combine(_directory, "report.pdf"), TestProvenance));
        Assert.Contains(".html, .md or .json", error.Message, StringComparison.Ordinal);
    }

    private static string Run(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(120_000), "chromium did not finish within 2 minutes");
        return output.Result;
    }
}
