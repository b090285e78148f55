using System.Diagnostics;
using System.Reflection;
using WorkingPoint.Tests.Shared;

namespace WorkingPoint.Cli.Tests;

/// <summary>Runs programs out of process: the built wpt in a directory of the test's choosing, dotnet, bash.</summary>
internal static class ProcessRunner
{
    /// <summary>The configuration this test assembly was built in, which is also the one the CLI it references was built in.</summary>
    public static string Configuration { get; } =
        typeof(ProcessRunner).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

    public static string CliProject => Path.Combine(TestModels.RepositoryRoot, "src", "WorkingPoint.Cli");

    /// <summary>wpt.dll as the build of the CLI project left it.</summary>
    public static string WptDll => Path.Combine(CliProject, "bin", Configuration, "net10.0", "wpt.dll");

    /// <summary>Runs the built wpt in <paramref name="workingDirectory"/>, with the tests' own data directory.</summary>
    public static (int ExitCode, string Output, string Errors) Wpt(string workingDirectory, params string[] args) =>
        Run("dotnet", [WptDll, .. args], workingDirectory);

    public static (int ExitCode, string Output, string Errors) Run(string program, IEnumerable<string> args, string workingDirectory, IReadOnlyDictionary<string, string>? environment = null, string? input = null)
    {
        var start = new ProcessStartInfo(program, args)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = input is not null,
            UseShellExecute = false,
        };
        start.Environment["WPT_DATA_DIR"] = TestDataDirectory.Path;
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {program}.");
        if (input is not null)
        {
            process.StandardInput.Write(input);
            process.StandardInput.Close();
        }

        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, output.Result.Replace("\r\n", "\n", StringComparison.Ordinal), errors.Result);
    }

    /// <summary>Whether <paramref name="program"/> is on the PATH.</summary>
    public static bool OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(directory => File.Exists(Path.Combine(directory, program)) || File.Exists(Path.Combine(directory, program + ".exe")));

    /// <summary>CI sets CI=true; a test that needs a tool never skips there.</summary>
    public static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);
}

/// <summary>A fact that needs a program on the PATH: skipped, with the reason shown, only outside CI when the program is missing.</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class NeedsProgramFactAttribute : FactAttribute
{
    public NeedsProgramFactAttribute(string program)
    {
        if (!ProcessRunner.OnPath(program) && !ProcessRunner.InCi)
        {
            Skip = $"'{program}' is not on the PATH (CI never skips this test).";
        }
    }
}
