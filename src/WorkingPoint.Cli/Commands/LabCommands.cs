using System.ComponentModel;
using System.Globalization;
using Spectre.Console;
using Spectre.Console.Cli;
using WorkingPoint.Core;
using WorkingPoint.Lab;
using WorkingPoint.Lab.Agent;
using WorkingPoint.Lab.Client;
using WorkingPoint.Measurement.Jobs;
using WorkingPoint.Results;

namespace WorkingPoint.Cli.Commands;

/// <summary>Options of every command that talks to a lab server: where it is and the token to show it.</summary>
public class LabSettings : JsonSettings
{
    public const string ServerVariable = "WPT_SERVER";
    public const string TokenVariable = "WPT_TOKEN";

    [CommandOption("--server <URL>")]
    [Description("The lab server (wpt serve), e.g. http://lab.local:8080. Default: $WPT_SERVER.")]
    public string? Server { get; init; }

    [CommandOption("--token <TOKEN>")]
    [Description("The access token the server gave (agent, reader, submitter or admin). Default: $WPT_TOKEN.")]
    public string? Token { get; init; }

    /// <summary>A client for the server and token given (or in the environment); one line naming the fix when either is missing or malformed.</summary>
    internal LabClient Connect(LabClientOptions? options = null) =>
        new(LabClient.ParseServer(Server ?? Environment.GetEnvironmentVariable(ServerVariable)), Token ?? Environment.GetEnvironmentVariable(TokenVariable) ?? string.Empty, options);
}

internal static class LabText
{
    public static long ParseJobId(string text) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0
            ? id
            : throw new InvalidInputException($"'{text}' is not a job id; ids are whole numbers from 1, as 'wpt jobs list' shows.");

    public static JobState? ParseState(string? text) =>
        string.IsNullOrWhiteSpace(text) ? null
        : Enum.GetValues<JobState>().Where(s => string.Equals(s.ToString(), text.Trim(), StringComparison.OrdinalIgnoreCase)).Cast<JobState?>().FirstOrDefault()
            ?? throw new InvalidInputException($"--state '{text}' is not a job state; use one of {string.Join(", ", Enum.GetNames<JobState>().Select(n => n.ToLowerInvariant()))}.");

    /// <summary>--param key=value, repeated: the job's parameters (the command's options by their long name).</summary>
    public static Dictionary<string, string> ParseParameters(IEnumerable<string> parameters)
    {
        var parsed = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var parameter in parameters)
        {
            var equals = parameter.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new InvalidInputException($"--param '{parameter}' is not key=value; write e.g. --param duration=10 (the option's long name without dashes).");
            }

            var key = parameter[..equals].Trim().TrimStart('-');
            if (!parsed.TryAdd(key, parameter[(equals + 1)..].Trim()))
            {
                throw new InvalidInputException($"--param '{key}' is given twice; give each parameter once.");
            }
        }

        return parsed;
    }

    public static void JobsTable(IAnsiConsole console, string title, IReadOnlyList<LabJob> jobs)
    {
        var table = new Table().Border(TableBorder.Rounded).Title($"[bold]{Markup.Escape(title)}[/]");
        foreach (var column in new[] { "Id", "Kind", "Model", "Device", "State", "Tries", "Submitted (UTC)", "By", "Results / message" })
        {
            table.AddColumn(column);
        }

        foreach (var job in jobs)
        {
            var state = job.State switch
            {
                JobState.Succeeded => "[green]succeeded[/]",
                JobState.Failed => "[red]failed[/]",
                JobState.Cancelled => "[grey]cancelled[/]",
                JobState.Running => "[yellow]running[/]",
                _ => "queued",
            };
            var detail = job.ResultIds.Count > 0 ? $"results {string.Join(", ", job.ResultIds)}" + (job.Message is null ? string.Empty : $"; {job.Message}") : job.Message ?? "–";
            table.AddRow(
                job.Id.ToString(CultureInfo.InvariantCulture),
                BenchmarkJob.NameOf(job.Spec.Kind),
                Markup.Escape(job.Spec.Model ?? job.Spec.Scenario ?? "–"),
                Markup.Escape(job.DeviceId),
                state,
                job.Attempts.ToString(CultureInfo.InvariantCulture),
                ResultsText.When(job.SubmittedAt),
                Markup.Escape(job.SubmittedBy),
                Markup.Escape(detail));
        }

        console.Write(table);
    }

    /// <summary>Waits for a task on the command's thread; the lab calls are async, the command line is not.</summary>
    public static T Wait<T>(Task<T> task) => task.GetAwaiter().GetResult();
}

/// <summary><c>wpt agent</c>: turns this machine into a lab device that runs the jobs queued for it.</summary>
public sealed class AgentCommand(IAnsiConsole console, WorkingPoint.Catalog.Catalog catalog) : Command<AgentCommand.Settings>
{
    public sealed class Settings : LabSettings
    {
        [CommandOption("--name <NAME>")]
        [Description("The device's name in the lab. Default: this machine's host name.")]
        public string? Name { get; init; }

        [CommandOption("--platform <ID>")]
        [Description("The catalog platform this board is (wpt platforms lists them), so its results sit beside the predictions for it.")]
        public string? Platform { get; init; }

        [CommandOption("--label <LABEL>")]
        [Description("A label jobs can target (repeatable): --label jetson --label desk-2.")]
        public string[] Labels { get; init; } = [];

        [CommandOption("--once")]
        [Description("Run at most one job, then exit (nothing queued: exit at once).")]
        public bool Once { get; init; }

        [CommandOption("--state-dir <DIR>")]
        [Description("Where the agent keeps its outbox of results not yet uploaded. Default: agent/ in the data directory.")]
        public string? StateDir { get; init; }

        [CommandOption("--poll <SECONDS>")]
        [Description("Seconds between claims while nothing is queued (with jitter). Default 5.")]
        [DefaultValue(5.0)]
        [Limit(0.1, 3600)]
        public double PollSeconds { get; init; } = 5;
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (settings.Platform is { } platform && !catalog.Platforms.Any(p => p.Id == platform))
        {
            throw new InvalidInputException($"--platform '{platform}' is not in the catalog; 'wpt platforms' lists the ids (leave it out for hardware the catalog lacks).");
        }

        if (settings.Labels.FirstOrDefault(l => string.IsNullOrWhiteSpace(l) || l.Any(char.IsWhiteSpace)) is { } label)
        {
            throw new InvalidInputException($"--label '{label}' is empty or has spaces; give a single word such as jetson or desk-2.");
        }

        using var client = settings.Connect();
        // The first Ctrl-C or SIGTERM stops the agent cleanly: the running job stops and saves, what is there is uploaded.
        Interrupts.MeasurementStarts();
        var errors = (console as FormattedConsole)?.Errors ?? Console.Error;
        void Log(string line)
        {
            lock (errors)
            {
                errors.WriteLine($"{DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)} wpt agent: {TerminalText.Clean(line)}");
                errors.Flush();
            }
        }

        var stateDirectory = Path.GetFullPath(settings.StateDir ?? Path.Combine(WorkingPoint.Catalog.DataDirectory.Path, "agent"));
        using var outbox = AgentOutbox.Open(stateDirectory, WptBuild.Current.Version);
        var executor = new CliJobExecutor(catalog, stateDirectory);
        if (executor.RecoverLeftovers(outbox) is var recovered and > 0)
        {
            Log($"recovered {recovered} result{(recovered == 1 ? string.Empty : "s")} of a job the last run left unfinished.");
        }

        var fingerprint = DeviceProbe.ThisMachine();
        var agent = new LabAgent(
            client,
            executor,
            outbox,
            new AgentIdentity(settings.Name ?? Environment.MachineName, settings.Platform, settings.Labels),
            fingerprint,
            DeviceProbe.Capabilities(fingerprint, executor),
            AgentOptions.Default with { PollInterval = TimeSpan.FromSeconds(settings.PollSeconds), Once = settings.Once },
            Log);
        var exit = LabText.Wait(agent.RunAsync(cancellationToken));
        return exit == AgentExit.Stopped ? Interrupts.ExitCode : 0;
    }
}

/// <summary><c>wpt jobs submit</c>: queues a benchmark job for one device or every device with a label.</summary>
public sealed class JobsSubmitCommand(IAnsiConsole console) : Command<JobsSubmitCommand.Settings>
{
    public sealed class Settings : LabSettings
    {
        [CommandArgument(0, "<KIND>")]
        [Description("What to run: onnx, llm, mix, roofline or usecase (the bench command's name).")]
        public string Kind { get; init; } = string.Empty;

        [CommandArgument(1, "[MODEL]")]
        [Description("The model, as the bench command takes it (a catalog id, or a file path on the board); none for mix, roofline and usecase.")]
        public string? Model { get; init; }

        [CommandOption("--device <ID>")]
        [Description("The device that runs it (wpt jobs list and the dashboard show device ids).")]
        public string? Device { get; init; }

        [CommandOption("--label <LABEL>")]
        [Description("Run it on every device with this label (one job each).")]
        public string? Label { get; init; }

        [CommandOption("--runtime <NAME>")]
        [Description("The runtime (onnxruntime for onnx, llama.cpp for llm); the execution provider is --param provider=cuda.")]
        public string? Runtime { get; init; }

        [CommandOption("--scenario <NAME>")]
        [Description("onnx: single-stream, multi-stream, server, offline or all; usecase: the use-case file on the board.")]
        public string? Scenario { get; init; }

        [CommandOption("--param <KEY=VALUE>")]
        [Description("A parameter of the job (repeatable): the bench command's option by its long name, e.g. --param duration=10 --param quick=true.")]
        public string[] Parameters { get; init; } = [];
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var kind = BenchmarkJob.ParseKind(settings.Kind);
        if ((settings.Device is null) == (settings.Label is null))
        {
            throw new InvalidInputException("Say where the job runs: --device ID (one device) or --label LABEL (every device with it), not both and not neither.");
        }

        var job = new BenchmarkJob(kind, settings.Model, settings.Runtime, settings.Scenario, LabText.ParseParameters(settings.Parameters));
        using var client = settings.Connect();
        var jobs = LabText.Wait(client.SubmitAsync(new SubmitRequest(job, settings.Device, settings.Label), cancellationToken));
        if (jobs.Count == 0)
        {
            throw new InvalidInputException(settings.Device is not null
                ? $"No device '{settings.Device}' is registered at {client.Server}; nothing was queued (start 'wpt agent' on it, or check the id)."
                : $"No device at {client.Server} has the label '{settings.Label}'; nothing was queued (agents take labels with --label).");
        }

        if (settings.Json)
        {
            Output.Json(console, jobs);
            return 0;
        }

        LabText.JobsTable(console, $"Queued at {client.Server}", jobs);
        return 0;
    }
}

/// <summary><c>wpt jobs list</c>: the lab's jobs, newest first.</summary>
public sealed class JobsListCommand(IAnsiConsole console) : Command<JobsListCommand.Settings>
{
    public sealed class Settings : LabSettings
    {
        [CommandOption("--device <ID>")]
        [Description("Only this device's jobs.")]
        public string? Device { get; init; }

        [CommandOption("--state <STATE>")]
        [Description("Only jobs in this state: queued, running, succeeded, failed or cancelled.")]
        public string? State { get; init; }

        [CommandOption("--limit <N>")]
        [Description("At most this many, newest first. Default 50.")]
        [DefaultValue(50)]
        [Limit(1, 10_000)]
        public int Limit { get; init; } = 50;
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var state = LabText.ParseState(settings.State);
        using var client = settings.Connect();
        var jobs = LabText.Wait(client.ListJobsAsync(settings.Device, state, settings.Limit, cancellationToken));
        if (settings.Json)
        {
            Output.Json(console, jobs);
            return 0;
        }

        if (jobs.Count == 0)
        {
            console.MarkupLine($"No jobs{(settings.Device is null && state is null ? string.Empty : " match")} at {Markup.Escape(client.Server.ToString())}; 'wpt jobs submit' queues one.");
            return 0;
        }

        LabText.JobsTable(console, $"Jobs at {client.Server}", jobs);
        return 0;
    }
}

/// <summary><c>wpt jobs cancel</c>: cancels a queued or running job (a running one stops at its agent's next heartbeat).</summary>
public sealed class JobsCancelCommand(IAnsiConsole console) : Command<JobsCancelCommand.Settings>
{
    public sealed class Settings : LabSettings
    {
        [CommandArgument(0, "<ID>")]
        [Description("The job's id (wpt jobs list).")]
        public string Id { get; init; } = string.Empty;
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var id = LabText.ParseJobId(settings.Id);
        using var client = settings.Connect();
        client.CancelJobAsync(id, cancellationToken).GetAwaiter().GetResult();
        var job = LabText.Wait(client.GetJobAsync(id, cancellationToken));
        if (settings.Json)
        {
            Output.Json(console, job);
            return 0;
        }

        console.MarkupLine(job.State == JobState.Cancelled
            ? $"Job {id} is cancelled{(job.Attempts > 0 ? " (if it was running, its agent stops it at its next heartbeat and uploads what it finished)" : string.Empty)}."
            : $"Job {id} had already ended: {job.State.ToString().ToLowerInvariant()}.");
        return 0;
    }
}

/// <summary><c>wpt results push</c>: uploads local results to a lab server; each is stored there once, however often it is pushed.</summary>
public sealed class ResultsPushCommand(IAnsiConsole console) : Command<ResultsPushCommand.Settings>
{
    public sealed class Settings : LabSettings
    {
        [CommandOption("--db <PATH>")]
        [Description("The local results database. Default: $WPT_RESULTS_DB, else results.db in the data directory.")]
        public string? Db { get; init; }

        [CommandOption("--id <N>")]
        [Description("Push this result (repeatable).")]
        public string[] Ids { get; init; } = [];

        [CommandOption("--all")]
        [Description("Push every result in the database.")]
        public bool All { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if ((settings.Ids.Length > 0) == settings.All)
        {
            throw new InvalidInputException("Say what to push: --id N (repeatable) or --all, not both and not neither.");
        }

        var ids = settings.Ids.Select(ResultsText.ParseId).ToList();
        using var client = settings.Connect();
        using var store = ResultsDatabase.OpenExisting(settings.Db);
        var records = settings.All
            ? store.List(limit: int.MaxValue).OrderBy(s => s.Id).ToList()
            : ids.Select(id => ResultsText.Require(store, id.ToString(CultureInfo.InvariantCulture))).ToList();
        var pushed = new List<(long Local, SaveOutcome Remote)>();
        // In batches (one request and one server transaction each); a batch pushed is done, whatever happens next. A record the
        // server refuses ends the push naming it, after the others of its batch went up.
        LabUploads.UploadAsync(
            client,
            records,
            stored => stored.Record,
            (stored, outcome) => pushed.Add((stored.Id, outcome)),
            (stored, refusal) => throw new LabServerException($"The lab server refused local result {stored.Id}: {refusal.Message}", refusal.StatusCode),
            cancellationToken: cancellationToken).GetAwaiter().GetResult();

        var created = pushed.Count(p => p.Remote.Created);
        if (settings.Json)
        {
            Output.Json(console, new { server = client.Server.ToString(), pushed = pushed.Select(p => new { localId = p.Local, serverId = p.Remote.Id, created = p.Remote.Created }), newCount = created, alreadyThereCount = pushed.Count - created });
            return 0;
        }

        console.MarkupLine(Markup.Escape($"Pushed {pushed.Count} result{(pushed.Count == 1 ? string.Empty : "s")} from {store.Path} to {client.Server}: {created} new, {pushed.Count - created} already there."));
        return 0;
    }
}

/// <summary><c>wpt results pull</c>: copies a lab server's results into the local database; those already here are skipped.</summary>
public sealed class ResultsPullCommand(IAnsiConsole console) : Command<ResultsPullCommand.Settings>
{
    public sealed class Settings : LabSettings
    {
        [CommandOption("--db <PATH>")]
        [Description("The local results database (created when missing). Default: $WPT_RESULTS_DB, else results.db in the data directory.")]
        public string? Db { get; init; }

        [CommandOption("--device <ID>")]
        [Description("Only this device's results.")]
        public string? Device { get; init; }

        [CommandOption("--model <NAME>")]
        [Description("Only results of this model.")]
        public string? Model { get; init; }

        [CommandOption("--kind <KIND>")]
        [Description("Only one kind: roofline, onnx, llm, mix, validate, usecase.")]
        public string? Kind { get; init; }

        [CommandOption("--limit <N>")]
        [Description("At most this many, newest first. Default: all.")]
        [Limit(1, 10_000_000)]
        public int? Limit { get; init; }
    }

    private const int PageSize = 100;

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var kind = ResultsText.ParseKind(settings.Kind);
        using var client = settings.Connect();
        using var store = ResultsDatabase.Open(settings.Db);
        var wanted = settings.Limit ?? int.MaxValue;
        var seen = 0;
        var added = 0;
        long? before = null;
        while (seen < wanted)
        {
            var asked = Math.Min(PageSize, wanted - seen);
            var page = LabText.Wait(client.ListResultsAsync(new ResultQuery(Kind: kind, Device: settings.Device, Model: settings.Model, Limit: asked, BeforeId: before), cancellationToken));
            foreach (var listed in page)
            {
                cancellationToken.ThrowIfCancellationRequested();
                seen++;
                if (store.Contains(listed.Record))
                {
                    continue;
                }

                // The listing may leave the raw samples out; the record itself carries them.
                var full = LabText.Wait(client.GetResultAsync(listed.Id, cancellationToken)) ?? listed;
                if (!store.Contains(full.Record))
                {
                    store.Save(full.Record);
                    added++;
                }
            }

            if (page.Count < asked)
            {
                break; // The last page.
            }

            before = page[^1].Id; // Pages go on from the last id of the previous one (ResultQuery.BeforeId).
        }

        if (settings.Json)
        {
            Output.Json(console, new { server = client.Server.ToString(), database = store.Path, newCount = added, alreadyThereCount = seen - added });
            return 0;
        }

        console.MarkupLine(Markup.Escape($"Pulled {seen} result{(seen == 1 ? string.Empty : "s")} from {client.Server} into {store.Path}: {added} new, {seen - added} already there."));
        return 0;
    }
}
