using System.Text.RegularExpressions;
using WorkingPoint.Lab;
using WorkingPoint.Measurement.Jobs;
using WorkingPoint.Results;

namespace WorkingPoint.Server.Api;

/// <summary>
/// The checks a request passes before the store sees it: required fields present, text within its length, names in their
/// alphabet, enums among their defined values (JSON may carry an enum as a number), numbers finite. Each failure is one
/// <see cref="ApiProblemException"/> (400) naming the field and the fix.
/// </summary>
internal static partial class RequestValidation
{
    public const int MaxNameLength = 100;
    public const int MaxLabels = 32;
    public const int MaxMessageLength = 4000;
    public const int MaxJobParameters = 64;
    public const int MaxParameterValueLength = 1024;

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,63}$")]
    private static partial Regex LabelPattern();

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,63}$")]
    private static partial Regex ParameterNamePattern();

    public static void Validate(RegisterRequest request)
    {
        Text(request.Name, "name", MaxNameLength);
        Optional(request.Platform, "platform", MaxNameLength);
        Labels(request.Labels);
        Fingerprint(request.Fingerprint, "fingerprint");
        var capabilities = request.Capabilities ?? throw Missing("capabilities");
        Text(capabilities.Architecture, "capabilities.architecture", MaxNameLength);
        Require(capabilities.LogicalCores > 0, "capabilities.logicalCores must be a positive count of CPUs");
        Require(capabilities.MemoryBytes >= 0, "capabilities.memoryBytes must not be negative");
        Require(capabilities.Accelerators is not null, "capabilities.accelerators is missing; send [] for a CPU-only machine");
        Require(capabilities.Accelerators!.Count <= MaxLabels && capabilities.Accelerators.All(a => !string.IsNullOrWhiteSpace(a) && a.Length <= MaxNameLength),
            $"capabilities.accelerators must be at most {MaxLabels} non-empty names of up to {MaxNameLength} characters");
        Require(capabilities.Runtimes is not null, "capabilities.runtimes is missing; send {} when none was found");
        Require(capabilities.Runtimes!.Count <= MaxLabels && capabilities.Runtimes.All(r => !string.IsNullOrWhiteSpace(r.Key) && r.Key.Length <= MaxNameLength && r.Value is not null && r.Value.Length <= MaxNameLength),
            $"capabilities.runtimes must be at most {MaxLabels} runtime names with versions of up to {MaxNameLength} characters");
        Require(capabilities.JobKinds is not null, "capabilities.jobKinds is missing; send the job kinds the agent can run");
        foreach (var kind in capabilities.JobKinds!)
        {
            Require(Enum.IsDefined(kind), $"capabilities.jobKinds holds {(int)kind}, not a job kind; write kinds by name ({string.Join(", ", BenchmarkJob.KindsByName.Keys)})");
        }
    }

    public static void Validate(SubmitRequest request)
    {
        Require((request.Device is null) != (request.Label is null), "give exactly one of device (one device's id) or label (every device carrying it)");
        Optional(request.Device, "device", MaxNameLength);
        if (request.Label is not null)
        {
            Labels([request.Label]);
        }

        Job(request.Job ?? throw Missing("job"));
    }

    /// <summary>A job as data: its kind, its model, runtime and scenario, its parameters' shape; then what its kind needs (<see cref="ValidateKindParameters"/>).</summary>
    public static void Job(BenchmarkJob job)
    {
        Require(Enum.IsDefined(job.Kind), $"job.kind {(int)job.Kind} is not a job kind; write it by name ({string.Join(", ", BenchmarkJob.KindsByName.Keys)})");
        Optional(job.Model, "job.model", MaxParameterValueLength);
        Optional(job.Runtime, "job.runtime", MaxNameLength);
        Optional(job.Scenario, "job.scenario", MaxNameLength);
        Require(job.Parameters is not null, "job.parameters is missing; send {} for none");
        Require(job.Parameters!.Count <= MaxJobParameters, $"job.parameters has {job.Parameters.Count} entries; at most {MaxJobParameters} are allowed");
        foreach (var (name, value) in job.Parameters)
        {
            Require(ParameterNamePattern().IsMatch(name), $"job.parameters name '{Clip(name)}' is not an option name; use the command's long option without dashes (e.g. \"duration\")");
            Require(value is not null && value.Length <= MaxParameterValueLength, $"job.parameters '{name}' needs a text value of at most {MaxParameterValueLength} characters");
        }

        ValidateKindParameters(job);
    }

    /// <summary>What a job of each kind needs (which options it takes, their values): the runners' own validation, so the server refuses what an agent would.</summary>
    public static void ValidateKindParameters(BenchmarkJob job) => BenchmarkJobParameters.Validate(job);

    public static void Validate(HeartbeatRequest request) => Optional(request.Progress, "progress", MaxMessageLength);

    public static void Validate(FinishRequest request)
    {
        Require(request.Outcome is JobState.Succeeded or JobState.Failed, $"outcome {request.Outcome} cannot end a job; send Succeeded or Failed");
        Require(request.ResultIds is not null, "resultIds is missing; send [] when the job stored no results");
        Require(request.ResultIds!.Count <= LabApi.MaxRecordsPerUpload, $"resultIds has {request.ResultIds.Count} ids; at most {LabApi.MaxRecordsPerUpload} are allowed");
        Optional(request.Message, "message", MaxMessageLength);
    }

    public static void Validate(UploadRequest request)
    {
        Require(request.Records is not null, "records is missing; send {\"records\": [ ... ]}");
        Require(request.Records!.Count > 0, "records is empty; send at least one record");
        if (request.Records.Count > LabApi.MaxRecordsPerUpload)
        {
            throw ApiProblemException.TooLarge($"The upload carries {request.Records.Count} records; at most {LabApi.MaxRecordsPerUpload} fit in one, so send them in batches.");
        }

        for (var i = 0; i < request.Records.Count; i++)
        {
            Record(request.Records[i] ?? throw Missing($"records[{i}]"), $"records[{i}]");
        }
    }

    public static void Validate(CreateTokenRequest request)
    {
        Text(request.Name, "name", MaxNameLength);
        Require(Enum.IsDefined(request.Role), $"role {(int)request.Role} is not a role; write it by name ({string.Join(", ", Enum.GetNames<TokenRole>())})");
    }

    private static void Record(MeasurementRecord record, string at)
    {
        Require(Enum.IsDefined(record.Kind), $"{at}.kind is not a kind of measurement; use one of {string.Join(", ", Enum.GetNames<MeasurementKind>())}");
        Require(Enum.IsDefined(record.Status), $"{at}.status is not a run status; use one of {string.Join(", ", Enum.GetNames<RunStatus>())}");
        Require(record.Duration >= TimeSpan.Zero, $"{at}.duration is negative");
        Fingerprint(record.Platform, $"{at}.platform");
        Require(record.Parameters is not null, $"{at}.parameters is missing; send {{}} for none");
        Require(record.Parameters!.All(p => p.Value is not null), $"{at}.parameters has a null value; send text");
        Require(record.Metrics is not null, $"{at}.metrics is missing; send [] for none");
        for (var m = 0; m < record.Metrics!.Count; m++)
        {
            var metric = record.Metrics[m] ?? throw Missing($"{at}.metrics[{m}]");
            Text(metric.Name, $"{at}.metrics[{m}].name", MaxNameLength);
            Require(metric.Unit is not null, $"{at}.metrics[{m}].unit is missing; send \"\" for a count");
            Require(double.IsFinite(metric.Value), $"{at}.metrics[{m}] ('{metric.Name}') is not a finite number; leave a metric out rather than send NaN or Infinity");
        }

        Require(record.Samples is not null, $"{at}.samples is missing; send [] for none");
        for (var s = 0; s < record.Samples!.Count; s++)
        {
            var series = record.Samples[s] ?? throw Missing($"{at}.samples[{s}]");
            Text(series.Name, $"{at}.samples[{s}].name", MaxNameLength);
            Require(series.Unit is not null, $"{at}.samples[{s}].unit is missing");
            Require(series.Values is not null && series.Values.All(double.IsFinite), $"{at}.samples[{s}] ('{series.Name}') needs values that are all finite numbers");
            Require(series.SecondsFromStart is null || (series.SecondsFromStart.Count == series.Values!.Count && series.SecondsFromStart.All(double.IsFinite)),
                $"{at}.samples[{s}].secondsFromStart must be finite and as long as its values");
        }

        var subject = record.Subject;
        Text(subject.Device, $"{at}.subject.device", MaxNameLength);
    }

    private static void Fingerprint(PlatformFingerprint? fingerprint, string at)
    {
        Require(fingerprint is not null, $"{at} is missing; send the machine's fingerprint (cpuModel, architecture, logicalCores, memoryBytes, operatingSystem, hostname, runtimeVersions)");
        Text(fingerprint!.Hostname, $"{at}.hostname", MaxNameLength);
        Require(fingerprint.CpuModel is not null, $"{at}.cpuModel is missing");
        Require(fingerprint.Architecture is not null, $"{at}.architecture is missing");
        Require(fingerprint.OperatingSystem is not null, $"{at}.operatingSystem is missing");
        Require(fingerprint.RuntimeVersions is not null, $"{at}.runtimeVersions is missing; send {{}} for none");
    }

    private static void Labels(IReadOnlyList<string>? labels)
    {
        Require(labels is not null, "labels is missing; send [] for none");
        Require(labels!.Count <= MaxLabels, $"{labels.Count} labels; at most {MaxLabels} are allowed");
        foreach (var label in labels)
        {
            Require(label is not null && LabelPattern().IsMatch(label), $"label '{Clip(label)}' is not a label; use lower-case letters, digits, '.', '_' and '-' (up to 64, e.g. \"jetson\")");
        }
    }

    private static void Text(string? value, string field, int maxLength)
    {
        Require(!string.IsNullOrWhiteSpace(value), $"{field} is missing or empty; send it");
        Require(value!.Length <= maxLength, $"{field} is {value.Length} characters long; at most {maxLength} are allowed");
    }

    private static void Optional(string? value, string field, int maxLength) =>
        Require(value is null || value.Length <= maxLength, $"{field} is {value?.Length} characters long; at most {maxLength} are allowed");

    private static void Require(bool condition, string problem)
    {
        if (!condition)
        {
            throw ApiProblemException.BadRequest(Sentence(problem));
        }
    }

    private static ApiProblemException Missing(string field) => ApiProblemException.BadRequest(Sentence($"{field} is missing or null; send it"));

    private static string Sentence(string problem) => char.ToUpperInvariant(problem[0]) + problem[1..] + ".";

    private static string Clip(string? text) => text is null ? "null" : text.Length <= 40 ? text : text[..40] + "…";
}
