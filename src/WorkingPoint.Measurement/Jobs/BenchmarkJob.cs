using System.Collections.ObjectModel;
using WorkingPoint.Core;

namespace WorkingPoint.Measurement.Jobs;

/// <summary>What a benchmark job runs; one runner per kind (<c>wpt bench onnx|llm|mix|usecase</c>, <c>wpt measure roofline</c>).</summary>
public enum BenchmarkJobKind
{
    Onnx,
    Llm,
    Mix,
    Roofline,
    UseCase,
}

/// <summary>
/// A benchmark run as data: what the CLI parses from its options and what a server queues for an agent, so both run it through the same
/// runner. <paramref name="Model"/> is what the CLI's MODEL argument takes (a catalog id, or a file path on the machine that runs the job);
/// <paramref name="Parameters"/> are the command's other options by their long name without dashes ("duration" → "10").
/// </summary>
public sealed record BenchmarkJob(
    BenchmarkJobKind Kind,
    string? Model,
    string? Runtime,
    string? Scenario,
    IReadOnlyDictionary<string, string> Parameters)
{
    /// <summary>The kinds by the names jobs are written with (the bench subcommand's name).</summary>
    public static readonly IReadOnlyDictionary<string, BenchmarkJobKind> KindsByName = new ReadOnlyDictionary<string, BenchmarkJobKind>(
        new Dictionary<string, BenchmarkJobKind>(StringComparer.OrdinalIgnoreCase)
        {
            ["onnx"] = BenchmarkJobKind.Onnx,
            ["llm"] = BenchmarkJobKind.Llm,
            ["mix"] = BenchmarkJobKind.Mix,
            ["roofline"] = BenchmarkJobKind.Roofline,
            ["usecase"] = BenchmarkJobKind.UseCase,
        });

    /// <summary>The name a kind is written with, the inverse of <see cref="ParseKind"/>.</summary>
    public static string NameOf(BenchmarkJobKind kind) => KindsByName.First(pair => pair.Value == kind).Key;

    /// <summary>A kind from its name; an unknown one is a user error naming the known ones.</summary>
    public static BenchmarkJobKind ParseKind(string name) =>
        KindsByName.TryGetValue(name.Trim(), out var kind)
            ? kind
            : throw new InvalidInputException($"Unknown job kind '{name}'; use one of {string.Join(", ", KindsByName.Keys)}.");
}
