using System.Globalization;
using WorkingPoint.Core;
using WorkingPoint.Core.Workloads;

namespace WorkingPoint.Measurement.Jobs;

/// <summary>How a job parameter's text is read.</summary>
public enum JobParameterType
{
    /// <summary>A whole number (32-bit).</summary>
    Integer,

    /// <summary>A finite number.</summary>
    Number,

    /// <summary>true or false; a flag left out is false.</summary>
    Flag,

    /// <summary>Free text, not empty.</summary>
    Text,

    /// <summary>One of <see cref="JobParameter.Choices"/>, case-insensitive.</summary>
    Choice,

    /// <summary>Comma-separated positive whole numbers (512,1024).</summary>
    IntegerList,

    /// <summary>Input shapes as --input takes them, comma-separated (name=1x3x640x640,640x640).</summary>
    Shapes,
}

/// <summary>
/// One parameter a job kind knows: its name (the CLI option's long name without dashes), how it is read, and the range it must
/// lie in — the same ranges the CLI's options declare, so a job the CLI would refuse is refused by a server too.
/// </summary>
public sealed record JobParameter(string Name, JobParameterType Type, string Description)
{
    public double? Minimum { get; init; }

    public double? Maximum { get; init; }

    public bool MinimumExclusive { get; init; }

    /// <summary>When set, the maximum is this many per logical core of the machine that checks (thread counts).</summary>
    public bool PerLogicalCore { get; init; }

    /// <summary>The values a <see cref="JobParameterType.Choice"/> takes.</summary>
    public IReadOnlyList<string> Choices { get; init; } = [];

    /// <summary>What a choice is called in the refusal ("an optimization level").</summary>
    public string ChoiceWhat { get; init; } = "a known value";

    private string Option => "--" + Name;

    private double? EffectiveMaximum => PerLogicalCore && Maximum is { } max ? max * Environment.ProcessorCount : Maximum;

    /// <summary>Refuses <paramref name="text"/> with one line naming the parameter and what to give instead.</summary>
    public void Check(string text)
    {
        switch (Type)
        {
            case JobParameterType.Integer:
                if (!int.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var whole))
                {
                    throw new InvalidInputException($"{Option} '{text}' is not a whole number; give {RangeText("a whole number")}.");
                }

                CheckRange(whole, "a whole number");
                break;
            case JobParameterType.Number:
                if (!double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var number) || !double.IsFinite(number))
                {
                    throw new InvalidInputException($"{Option} '{text}' is not a finite number; give {RangeText("a finite number")}.");
                }

                CheckRange(number, "a finite number");
                break;
            case JobParameterType.Flag:
                if (!bool.TryParse(text.Trim(), out _))
                {
                    throw new InvalidInputException($"{Option} '{text}' is not true or false; give true or false (left out, it is false).");
                }

                break;
            case JobParameterType.Text:
                if (string.IsNullOrWhiteSpace(text))
                {
                    throw new InvalidInputException($"{Option} is empty; give {Description.TrimEnd('.')}, or leave it out.");
                }

                break;
            case JobParameterType.Choice:
                if (!Choices.Contains(text.Trim(), StringComparer.OrdinalIgnoreCase))
                {
                    throw new InvalidInputException($"{Option} '{text}' is not {ChoiceWhat}; use {string.Join(", ", Choices.Take(Choices.Count - 1))} or {Choices[^1]}.");
                }

                break;
            case JobParameterType.IntegerList:
                _ = ReadIntegerList(text);
                break;
            case JobParameterType.Shapes:
                _ = InputShapes.Parse([text]);
                break;
        }
    }

    internal IReadOnlyList<int> ReadIntegerList(string text) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v > 0
                ? v
                : throw new InvalidInputException($"{Option} '{text}' must be a comma-separated list of positive whole numbers."))
            .ToArray();

    private void CheckRange(double value, string what)
    {
        var inRange = (Minimum is not { } min || (MinimumExclusive ? value > min : value >= min)) && (EffectiveMaximum is not { } max || value <= max);
        if (!inRange)
        {
            throw new InvalidInputException($"{Option} {Show(value)} is out of range: give {RangeText(what)}.");
        }
    }

    private string RangeText(string what)
    {
        var low = Minimum is { } min ? MinimumExclusive ? $" above {Show(min)}" : $" from {Show(min)}" : string.Empty;
        var high = EffectiveMaximum is { } max
            ? PerLogicalCore ? $" to {Show(max)} ({Show(Maximum!.Value)} per logical core, {Environment.ProcessorCount} cores here)" : $" to {Show(max)}"
            : string.Empty;
        return $"{what}{low}{high}";
    }

    private static string Show(double value) => value.ToString("G", CultureInfo.InvariantCulture);
}
