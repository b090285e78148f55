using System.Globalization;
using System.Reflection;
using Spectre.Console.Cli;
using WorkingPoint.Core;
using WorkingPoint.Core.Workloads;

namespace WorkingPoint.Cli;

/// <summary>
/// The range a numeric option must lie in, checked for every command before it runs (<see cref="Limits.Check"/>): finite,
/// within [minimum, maximum] (minimum excluded where <see cref="MinimumExclusive"/>), and for thread counts at most
/// <see cref="PerLogicalCore"/> × this machine's logical cores. Whole-number options are integral by their type.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class LimitAttribute(double minimum, double maximum) : Attribute
{
    public double Minimum { get; } = minimum;

    public double Maximum { get; } = maximum;

    public bool MinimumExclusive { get; init; }

    /// <summary>When set, the maximum is this many per logical core (threads beyond a few per core only oversubscribe).</summary>
    public bool PerLogicalCore { get; init; }

    public double EffectiveMaximum => PerLogicalCore ? Maximum * Environment.ProcessorCount : Maximum;
}

internal static class Limits
{
    /// <summary>No model in reach has a longer context; a larger count is a typo, refused before any work.</summary>
    public const int MaxTokens = 1 << 24;

    /// <summary>Threads per logical core a thread option may ask for.</summary>
    public const int ThreadsPerCore = 4;

    /// <summary>The largest input tensor (at 4 bytes an element) a --input shape may ask for: 1 GiB, refused before allocating.</summary>
    public const long MaxInputTensorBytes = 1L << 30;

    /// <summary>Every option of <paramref name="settings"/> that carries a <see cref="LimitAttribute"/>, checked; one line names the limit.</summary>
    public static void Check(CommandSettings settings)
    {
        foreach (var property in settings.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetCustomAttribute<LimitAttribute>() is not { } limit || property.GetValue(settings) is not { } raw)
            {
                continue;
            }

            var value = Convert.ToDouble(raw, CultureInfo.InvariantCulture);
            var inRange = double.IsFinite(value)
                && (limit.MinimumExclusive ? value > limit.Minimum : value >= limit.Minimum)
                && value <= limit.EffectiveMaximum;
            if (!inRange)
            {
                var name = property.GetCustomAttribute<CommandOptionAttribute>()?.LongNames is [var first, ..] ? "--" + first : property.Name;
                var low = limit.MinimumExclusive ? $"above {Show(limit.Minimum)}" : $"from {Show(limit.Minimum)}";
                var high = limit.PerLogicalCore
                    ? $"{Show(limit.EffectiveMaximum)} ({Show(limit.Maximum)} per logical core, {Environment.ProcessorCount} cores here)"
                    : Show(limit.EffectiveMaximum);
                var integral = raw is int or long or uint or ulong ? "a whole number" : "a finite number";
                throw new InvalidInputException($"{name} {Show(value)} is out of range: give {integral} {low} to {high}.");
            }
        }
    }

    /// <summary>Refuses a request that does not fit in the model's context window, before anything is loaded or predicted.</summary>
    public static void RequireWithinContext(LlmArchitecture architecture, int prompt, int gen, int depth, string what)
    {
        var needed = (long)Math.Max(prompt, depth) + gen;
        if (needed > architecture.MaxContext)
        {
            var parts = depth > prompt ? $"--depths {depth} + --gen {gen}" : $"--prompt {prompt} + --gen {gen}";
            throw new InvalidInputException($"{parts} = {needed} tokens exceeds {what}'s context length of {architecture.MaxContext} tokens; ask for at most {architecture.MaxContext} in all.");
        }
    }

    /// <summary>
    /// Refuses --input shapes whose tensors would exceed <see cref="MaxInputTensorBytes"/> before anything is allocated (the
    /// element count is computed without overflow; 4 bytes an element, as float32 inputs take).
    /// </summary>
    public static void RequireInputsWithinMemory(IEnumerable<string> inputs)
    {
        var shapes = InputShapes.Parse(inputs);
        foreach (var (name, dims) in shapes.Named.Select(kv => (kv.Key, kv.Value)).Concat(shapes.Unnamed is { } u ? [("the image input", u)] : []))
        {
            var bytes = dims.Aggregate((Int128)4, (product, d) => Int128.Min(product * d, (Int128)long.MaxValue));
            if (bytes > MaxInputTensorBytes)
            {
                throw new InvalidInputException($"--input {string.Join('x', dims)} for {name} is a tensor of over {Output.Bytes((double)bytes)}; each input is limited to 1 GiB (at 4 bytes an element). Give a smaller shape.");
            }
        }
    }

    private static string Show(double value) => double.IsNaN(value) ? "NaN" : value.ToString("G", CultureInfo.InvariantCulture);
}
