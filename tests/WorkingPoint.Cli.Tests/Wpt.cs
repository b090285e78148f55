using System.Runtime.CompilerServices;
using Spectre.Console.Testing;

namespace WorkingPoint.Cli.Tests;

/// <summary>Runs wpt in-process on a fixed-width test console, as a user at an 120-column terminal would see it.</summary>
internal static class Wpt
{
    public static (int ExitCode, string Output, string Errors) Run(params string[] args) => RunAt(120, args);

    /// <summary>As at a terminal <paramref name="width"/> columns wide.</summary>
    public static (int ExitCode, string Output, string Errors) RunAt(int width, params string[] args)
    {
        var console = new TestConsole().Width(width);
        console.Profile.Capabilities.Ansi = false;
        var errors = new StringWriter();
        var code = WptApp.Run(args, console, errors);
        return (code, console.Output.Replace("\r\n", "\n", StringComparison.Ordinal), errors.ToString());
    }
}

/// <summary>As with stdout redirected to a file or a pipe: the console wpt's Main builds then, with no $COLUMNS set.</summary>
internal static class WptPiped
{
    public static (int ExitCode, string Output, string Errors) Run(params string[] args)
    {
        var output = new StringWriter();
        var errors = new StringWriter();
        var code = WptApp.Run(args, WptConsole.Create(output, isTerminal: false, _ => null), errors);
        return (code, output.ToString().Replace("\r\n", "\n", StringComparison.Ordinal), errors.ToString());
    }
}

/// <summary>
/// Golden files of what the user sees. Set WPT_UPDATE_GOLDEN=1 to rewrite them after an intended change, then review the diff.
/// </summary>
internal static class Golden
{
    public static void Verify(string name, string actual, [CallerFilePath] string callerPath = "")
    {
        var path = Path.Combine(Path.GetDirectoryName(callerPath)!, "Expectations", name);
        var normalized = string.Join('\n', MaskProvenance(actual).Split('\n').Select(l => l.TrimEnd())).TrimEnd() + "\n";
        if (Environment.GetEnvironmentVariable("WPT_UPDATE_GOLDEN") == "1" || !File.Exists(path))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, normalized);
            Assert.True(Environment.GetEnvironmentVariable("WPT_UPDATE_GOLDEN") == "1", $"Golden file {name} was missing and has been written; review and commit it.");
            return;
        }

        Assert.Equal(File.ReadAllText(path), normalized);
    }

    /// <summary>
    /// The version, commit and catalog hash of the <c>wpt</c> object in JSON change with every commit; golden files hold
    /// placeholders in their place (ProvenanceTests checks the real values).
    /// </summary>
    public static string MaskProvenance(string text) => System.Text.RegularExpressions.Regex.Replace(
        text,
        "\"wpt\": \\{\\s*\"version\": \"[^\"]*\",\\s*\"commit\": \"[^\"]*\",\\s*\"catalogSha256\": \"[^\"]*\"",
        "\"wpt\": {\n    \"version\": \"VERSION\",\n    \"commit\": \"COMMIT\",\n    \"catalogSha256\": \"CATALOG-SHA256\"");
}
