using System.Reflection;
using WorkingPoint.Evaluation.UseCases;

namespace WorkingPoint.Evaluation.Tests;

/// <summary>
/// The layering, checked on the compiled assemblies: the analytic core stands alone, and the evaluation library a server or an
/// agent reuses never drags in the console front end. A reference added against these rules fails here, not in review.
/// </summary>
public sealed class ArchitectureTests
{
    /// <summary>Packages the core must not need: parsers, runtimes, plotting, storage, console.</summary>
    private static readonly string[] HeavyPackages = ["YamlDotNet", "Microsoft.ML.OnnxRuntime", "LLamaSharp", "ScottPlot", "SkiaSharp", "Microsoft.Data.Sqlite", "SQLitePCLRaw", "Spectre.Console", "Google.Protobuf"];

    private static readonly Assembly Core = typeof(WorkingPoint.Core.WorkingPointException).Assembly;

    private static readonly Assembly Evaluation = typeof(UseCaseEvaluator).Assembly;

    [Fact]
    public void The_core_references_no_other_workingpoint_assembly()
    {
        var references = Core.GetReferencedAssemblies().Select(a => a.Name!).ToArray();

        Assert.DoesNotContain(references, name => name.StartsWith("WorkingPoint.", StringComparison.Ordinal) || name == "wpt");
    }

    [Fact]
    public void The_core_references_no_heavy_package()
    {
        var references = Core.GetReferencedAssemblies().Select(a => a.Name!).ToArray();

        Assert.DoesNotContain(references, name => HeavyPackages.Any(p => name.StartsWith(p, StringComparison.OrdinalIgnoreCase)));
    }

    [Fact]
    public void Evaluation_reaches_neither_the_console_library_nor_the_cli_through_any_workingpoint_assembly()
    {
        var reached = WorkingPointClosure(Evaluation).SelectMany(a => a.GetReferencedAssemblies()).Select(a => a.Name!).Distinct().ToArray();

        Assert.DoesNotContain(reached, name => name.StartsWith("Spectre.Console", StringComparison.Ordinal));
        Assert.DoesNotContain(reached, name => name is "wpt" or "WorkingPoint.Cli");
    }

    [Fact]
    public void The_catalog_does_not_reference_evaluation()
    {
        var catalog = typeof(WorkingPoint.Catalog.Catalog).Assembly;

        Assert.DoesNotContain(catalog.GetReferencedAssemblies(), a => a.Name == Evaluation.GetName().Name);
    }

    /// <summary>The assembly and every WorkingPoint assembly it references, directly or not.</summary>
    private static IReadOnlyList<Assembly> WorkingPointClosure(Assembly root)
    {
        var seen = new Dictionary<string, Assembly> { [root.GetName().Name!] = root };
        var pending = new Stack<Assembly>([root]);
        while (pending.TryPop(out var assembly))
        {
            foreach (var name in assembly.GetReferencedAssemblies().Where(n => n.Name!.StartsWith("WorkingPoint.", StringComparison.Ordinal)))
            {
                if (!seen.ContainsKey(name.Name!))
                {
                    var loaded = Assembly.Load(name);
                    seen[name.Name!] = loaded;
                    pending.Push(loaded);
                }
            }
        }

        return [.. seen.Values];
    }
}
