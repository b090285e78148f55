using System.Reflection;
using WorkingPoint.Measurement.Jobs;

namespace WorkingPoint.Runner.Tests;

/// <summary>
/// The layering of jobs and runners, checked on the compiled assemblies: a server validates jobs without the runtimes, and the
/// runners an agent hosts carry neither the console nor the plots nor the CLI's database.
/// </summary>
public sealed class RunnerArchitectureTests
{
    private static readonly Assembly Jobs = typeof(BenchmarkJob).Assembly;

    private static readonly Assembly Runners = typeof(BenchmarkRunners).Assembly;

    [Fact]
    public void Job_validation_needs_neither_onnx_runtime_nor_llama_cpp()
    {
        var references = Jobs.GetReferencedAssemblies().Select(a => a.Name!).ToArray();

        Assert.DoesNotContain(references, name => name.StartsWith("Microsoft.ML.OnnxRuntime", StringComparison.Ordinal) || name.StartsWith("LLamaSharp", StringComparison.Ordinal));
        // Core, and the results as data (records, no store): what a job produces is described there.
        Assert.DoesNotContain(references, name => name.StartsWith("WorkingPoint.", StringComparison.Ordinal) && name is not ("WorkingPoint.Core" or "WorkingPoint.Results"));
    }

    [Fact]
    public void The_runners_reference_no_console_no_plots_no_cli_and_no_database()
    {
        var references = Runners.GetReferencedAssemblies().Select(a => a.Name!).ToArray();

        Assert.DoesNotContain(references, name => name.StartsWith("Spectre.Console", StringComparison.Ordinal) || name.StartsWith("ScottPlot", StringComparison.Ordinal));
        Assert.DoesNotContain(references, name => name is "wpt" or "WorkingPoint.Cli" || name.StartsWith("WorkingPoint.Reporting", StringComparison.Ordinal) || name.StartsWith("WorkingPoint.Results.", StringComparison.Ordinal) || name.StartsWith("Microsoft.Data.Sqlite", StringComparison.Ordinal) || name.StartsWith("Npgsql", StringComparison.Ordinal));
    }
}
