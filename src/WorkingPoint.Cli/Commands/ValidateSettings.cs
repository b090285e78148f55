using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using WorkingPoint.Catalog;

namespace WorkingPoint.Cli.Commands;

/// <summary>
/// What both validate commands share: the platform predicted with, and the rounds and recalibration that take a drifting
/// machine's speed out of the model's error.
/// </summary>
public abstract class ValidateSettings : MeasureSettings
{
    [CommandOption("-p|--platform <ID>")]
    [Description("The platform to predict with: 'host' (default; measured first if it never was) or a platform YAML file describing this machine.")]
    [DefaultValue("host")]
    public string Platform { get; init; } = HostPlatform.Id;

    [CommandOption("--rounds <N>")]
    [Description("Measure the whole set this many times, round after round, and keep each figure's median over the rounds, so a machine whose speed drifts (a shared VM) weighs on every model alike. Default 1.")]
    [DefaultValue(1)]
    [Limit(1, 100)]
    public int Rounds { get; init; } = 1;

    [CommandOption("--recalibrate")]
    [Description("Run the validated runtime's probes of 'wpt measure runtimes' (none of the validated models) at the start of every round and predict that round's models with the profile they fit; the stored profile is not changed, and the error against it is reported beside. Only with --platform host.")]
    public bool Recalibrate { get; init; }

    /// <summary>Why the rounds and recalibration options cannot apply, or null when they can.</summary>
    protected ValidationResult? RoundsError() =>
        Rounds < 1 ? ValidationResult.Error("--rounds must be ≥ 1.")
        : Recalibrate && Platform != HostPlatform.Id ? ValidationResult.Error($"--recalibrate probes this machine's own runtimes and applies only with --platform host (got '{Platform}'); leave it out to validate against {Platform}.")
        : null;
}
