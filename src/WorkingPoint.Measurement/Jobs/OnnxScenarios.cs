using WorkingPoint.Core;
using WorkingPoint.Measurement.Scenarios;

namespace WorkingPoint.Measurement.Jobs;

/// <summary>The scenarios of an ONNX job by the names jobs and <c>--scenario</c> use (single-stream, …, all).</summary>
public static class OnnxScenarios
{
    public const string Default = "single-stream";

    public static string Name(Scenario scenario) => scenario switch
    {
        Scenario.SingleStream => "single-stream",
        Scenario.MultiStream => "multi-stream",
        Scenario.Server => "server",
        _ => "offline",
    };

    /// <summary>A comma-separated list or "all"; a sustained run takes exactly one.</summary>
    public static Scenario[] Parse(string text, bool sustained)
    {
        var names = text.Equals("all", StringComparison.OrdinalIgnoreCase) ? Enum.GetValues<Scenario>() : text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(ParseOne).ToArray();
        if (sustained && names.Length != 1)
        {
            throw new InvalidInputException("--sustained runs one scenario; pick it with --scenario (offline shows throughput best).");
        }

        return names;
    }

    private static Scenario ParseOne(string name) =>
        Enum.GetValues<Scenario>().Where(s => Name(s).Equals(name, StringComparison.OrdinalIgnoreCase) || s.ToString().Equals(name, StringComparison.OrdinalIgnoreCase)).Cast<Scenario?>().FirstOrDefault()
            ?? throw new InvalidInputException($"--scenario '{name}' is not a scenario; use single-stream, multi-stream, server, offline or all.");
}
